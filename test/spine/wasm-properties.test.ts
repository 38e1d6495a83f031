// Cross-backend properties of the WASM SIMD backend against the float64 reference.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { prepareSimulation, type SimulationOptions } from "../../src/batch/prepare.ts";
import { simulateReference } from "../../src/backends/reference.ts";
import { simulateWasm } from "../../src/backends/wasm/driver.ts";
import { supHopf } from "../../src/models/hopf.ts";
import { f32Tolerance, maxAbsDiff, problemArb } from "./crossbackend.ts";

const wasm = (o: SimulationOptions, threads = 1, width?: 1 | 2 | 4) => simulateWasm(prepareSimulation(o), { threads, width });

describe("wasm vs float64 reference", () => {
  it("agree within the derived float32 tolerance on random networks, parameters and seeds", async () => {
    let worstRatio = 0;
    await fc.assert(
      fc.asyncProperty(problemArb, fc.constantFrom(1 as const, 2 as const, 4 as const), async ({ opts, label }, width) => {
        const ref = simulateReference(prepareSimulation(opts));
        const got = await wasm(opts, 1, width);
        const { tol, amplification } = f32Tolerance(opts, ref);
        const err = maxAbsDiff(ref, got);
        worstRatio = Math.max(worstRatio, err / tol);
        if (!(err <= tol)) throw new Error(`${label}: max |wasm − ref| = ${err} > tol ${tol} (A = ${amplification})`);
      }),
      { numRuns: 40 },
    );
    console.log(`wasm vs reference: worst error / tolerance = ${worstRatio.toFixed(4)}`);
  });

  it("the tolerance is tight enough to catch a wrong noise draw or a wrong delay", async () => {
    const samples = fc.sample(problemArb, { numRuns: 12, seed: 3 }).filter(({ opts }) =>
      (opts.model as { name: string }).name !== "WilsonCowan"
    );
    let caughtNoise = 0, caughtDelay = 0;
    for (const { opts } of samples) {
      const o = { ...opts, duration: 0.04, params: { ...opts.params, sigma: 0.1, G: 1 } };
      const ref = simulateReference(prepareSimulation(o));
      const { tol } = f32Tolerance(o, ref);
      if (maxAbsDiff(ref, await wasm({ ...o, seed: ((o.seed as number) + 1) >>> 0 })) > tol) caughtNoise++;
      const net = o.network;
      if (maxAbsDiff(ref, await wasm({ ...o, network: { ...net, speed: (net.speed ?? 1) * 1.5 } })) > tol) caughtDelay++;
    }
    expect(caughtNoise).toBe(samples.length);
    expect(caughtDelay).toBeGreaterThanOrEqual(samples.length - 1);
  });

  it("reruns are bit-identical and independent of the thread count and group width", async () => {
    const [{ opts }] = fc.sample(problemArb, { numRuns: 1, seed: 11 });
    const o = { ...opts!, lanes: 19, params: undefined };
    const a = await wasm(o, 1, 1);
    const runs = [await wasm(o, 1, 1), await wasm(o, 3, 1), await wasm(o, 2, 2), await wasm(o, 2, 4), await wasm(o, 1, 4)];
    for (const r of runs) for (const k of Object.keys(a.recorded)) expect(r.recorded[k]).toEqual(a.recorded[k]);
  });

  it("the default plan (each thread's lanes as a mix of group widths) gives the same bits as one width, recorded and averaged", async () => {
    const [{ opts }] = fc.sample(problemArb, { numRuns: 1, seed: 17 });
    const spec = opts!.model as { states: { name: string }[] };
    const averages = spec.states.map((s) => s.name);
    // 22 lanes on 2 threads: 12 + 10 lanes, each as a group of 8 and one of 4 (the last padded);
    // on 3 threads: 8 + 8 + 6. Keys of their own per lane, so no lane shares another's draw.
    const o = { ...opts!, lanes: 22, params: undefined, averages, noise: "independent" as const };
    const one = await wasm(o, 1, 1);
    for (const threads of [2, 3]) {
      const mixed = await simulateWasm(prepareSimulation(o), { threads });
      expect(mixed.backendInfo).toMatch(threads === 2 ? /groups of 8, 4; 8, 4 on 2 threads/ : /groups of 8; 8; 8 on 3 threads/);
      for (const k of Object.keys(one.recorded)) expect(mixed.recorded[k]).toEqual(one.recorded[k]);
      for (const name of averages) expect(mixed.averages[name]).toEqual(one.averages[name]);
    }
  });

  it("runs that record nothing (one shared delay ring per shard) give the same averages as recorded runs", async () => {
    const [{ opts }] = fc.sample(problemArb, { numRuns: 1, seed: 29 });
    const spec = opts!.model as { states: { name: string }[] };
    const averages = spec.states.map((s) => s.name);
    for (const [width, threads] of [[1, 1], [2, 2], [4, 1]] as const) {
      const o = { ...opts!, lanes: 13, params: undefined, averages };
      const recorded = await wasm(o, threads, width);
      const streamedOnly = await wasm({ ...o, record: undefined }, threads, width);
      for (const name of averages) expect(streamedOnly.averages[name]).toEqual(recorded.averages[name]);
      // Repeated calls reuse pooled workers and must give the same numbers.
      const again = await wasm({ ...o, record: undefined }, threads, width);
      for (const name of averages) expect(again.averages[name]).toEqual(recorded.averages[name]);
    }
  });

  it("changing lane k leaves every other lane bit-identical", async () => {
    const n = 6;
    const W = Float64Array.from({ length: n * n }, (_, i) => ((i * 37) % 11) / 40);
    const base: SimulationOptions = {
      model: supHopf,
      network: { weights: W, lengths: W.map((v) => v * 100), speed: 2 },
      lanes: 7,
      duration: 0.02,
      dt: 0.1,
      seed: 5,
      noise: "independent",
      record: { observables: ["x", "y"], period: 0.1 },
    };
    const a0 = [0.1, -0.2, 0.3, 0.05, 0.2, -0.1, 0.4];
    const a1 = a0.slice();
    a1[4] = -0.7;
    const r0 = await wasm({ ...base, params: { a: a0 } });
    const r1 = await wasm({ ...base, params: { a: a1 } });
    const per = r0.recorded.x!.length / 7;
    for (let l = 0; l < 7; l++) {
      const same = r1.recorded.x!.subarray(l * per, (l + 1) * per).every((v, i) => Object.is(v, r0.recorded.x![l * per + i]));
      expect(same).toBe(l !== 4);
    }
  });

  it("zero coupling decouples nodes; zero delays equal the no-delay path", async () => {
    const n = 5;
    const W = Float64Array.from({ length: n * n }, (_, i) => (i % 6 === 0 ? 0 : 0.2));
    const o: SimulationOptions = {
      model: supHopf,
      network: { weights: W },
      lanes: 4,
      duration: 0.02,
      dt: 0.1,
      seed: 2,
      params: { G: 0, a: Float64Array.from({ length: 4 * n }, (_, i) => -0.5 + 0.05 * i) },
      record: { observables: ["x"], period: 0.1 },
    };
    const r0 = await wasm(o);
    const W2 = W.map((v) => v * 3 + 0.1);
    const r1 = await wasm({ ...o, network: { weights: W2 } });
    expect(r1.recorded.x).toEqual(r0.recorded.x);
    // With G > 0: all-zero tract lengths give the same result as no lengths at all.
    const g: SimulationOptions = { ...o, params: { G: 0.4 } };
    const noDelay = await wasm(g);
    const zeroDelay = await wasm({ ...g, network: { weights: W, lengths: new Float64Array(n * n), speed: 3 } });
    expect(zeroDelay.recorded.x).toEqual(noDelay.recorded.x);
    expect(noDelay.recorded.x).not.toEqual(r0.recorded.x);
  });
});
