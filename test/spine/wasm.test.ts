import { describe, expect, it } from "vitest";
import { prepareSimulation } from "../../src/batch/prepare.ts";
import { simulateReference } from "../../src/backends/reference.ts";
import { LANE_COST_BY_WIDTH, laneOrderByKey, planLaneGroups, simulateWasm, type WasmOptions } from "../../src/backends/wasm/driver.ts";
import { supHopf } from "../../src/models/hopf.ts";
import { wilsonCowan } from "../../src/models/wilsoncowan.ts";
import { rww } from "../../src/models/rww.ts";
import { kuramoto } from "../../src/models/kuramoto.ts";
import { withBold } from "../../src/models/bold.ts";
import type { ModelSpec } from "../../src/models/spec.ts";
import type { NetworkInput } from "../../src/batch/network.ts";

// The bit-for-bit tests of the coupling passes: a sparse n-node pattern (no self-loops, every
// third pair unconnected) and one simulation's options around it.
const sparseWeights = (n: number) =>
  Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 || k % 3 === 1 ? 0 : 0.05 + ((k * 37) % 11) / 40));
const bitTestOptions = (
  c: { model: ModelSpec; params: Record<string, number>; obs: string },
  network: NetworkInput,
  lanes: number,
) => ({
  model: c.model,
  network,
  lanes,
  duration: 0.0503,
  dt: 0.1,
  params: c.params,
  seed: 5,
  noise: "independent" as const,
  record: { observables: [c.obs], period: 0.3 },
});

describe("wasm backend smoke", () => {
  it("matches the reference on a small delayed Hopf network", async () => {
    const n = 5;
    const W = Float64Array.from({ length: n * n }, (_, k) => ((k * 7919) % 13) / 13 * (k % (n + 1) === 0 ? 0 : 1));
    const L = Float64Array.from({ length: n * n }, (_, k) => 5 + ((k * 31) % 17));
    const opts = {
      model: supHopf,
      network: { weights: W, lengths: L, speed: 2 },
      lanes: 6,
      duration: 0.05,
      dt: 0.1,
      params: { a: [0.1, -0.2, 0.3, 0.05, 0.2, -0.1], G: 0.2, sigma: 0.02 },
      seed: 3,
      noise: "independent" as const,
      record: { observables: ["x", "r2"], period: 1 },
      averages: ["x", "r2"],
    };
    const ref = simulateReference(prepareSimulation(opts));
    const w = await simulateWasm(prepareSimulation(opts), { threads: 2 });
    let maxErr = 0;
    for (const name of ["x", "r2"]) {
      const a = ref.recorded[name]!, b = w.recorded[name]!;
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) maxErr = Math.max(maxErr, Math.abs(a[i]! - b[i]!));
    }
    console.log("hopf wasm vs ref max abs err", maxErr, w.backendInfo);
    expect(maxErr).toBeLessThan(1e-4);
    for (let i = 0; i < ref.averages.x!.length; i++) expect(w.averages.x![i]).toBeCloseTo(ref.averages.x![i]!, 4);
  });
  it("matches the reference for Wilson–Cowan with OU noise", async () => {
    const n = 4;
    const W = Float64Array.from({ length: n * n }, (_, k) => (k % 5 === 0 ? 0 : 0.3));
    const opts = {
      model: wilsonCowan,
      network: { weights: W, lengths: W.map((v) => v * 30), speed: 5 },
      lanes: 4,
      duration: 0.05,
      dt: 0.1,
      params: { k: 1.5, ext_E: [0.5, 1, 1.5, 2], sigma_ou: 0.05 },
      seed: 9,
      integrator: "euler" as const,
      record: { observables: ["rE", "F_E"], period: 0.5 },
    };
    const ref = simulateReference(prepareSimulation(opts));
    const w = await simulateWasm(prepareSimulation(opts), { threads: 2 });
    let maxErr = 0;
    for (const name of ["rE", "F_E"]) {
      const a = ref.recorded[name]!, b = w.recorded[name]!;
      for (let i = 0; i < a.length; i++) maxErr = Math.max(maxErr, Math.abs(a[i]! - b[i]!));
    }
    console.log("wc wasm vs ref max abs err", maxErr);
    expect(maxErr).toBeLessThan(1e-4);
  });
  it("draws the same noise for lanes that share a key whether or not their lane group does (shared-key path vs per-lane path), and per lane at every width", async () => {
    // Wilson–Cowan with OU noise has 4 noise channels. The shared path draws normals for eight
    // nodes per call (two interleaved Philox chains of four) and a last block of four on its own,
    // the per-lane path one node per call: n = 6 (one block of eight, two padding nodes) and
    // n = 11 (a block of eight, then one of four).
    for (const n of [6, 11]) await sharedVsPerLane(n);
  });
  async function sharedVsPerLane(n: number) {
    const W = Float64Array.from({ length: n * n }, (_, k) => (k % 7 === 0 ? 0 : 0.2 + (k % 3) * 0.1));
    const base = {
      model: wilsonCowan,
      network: { weights: W, lengths: W.map((v) => v * 40), speed: 5 },
      lanes: 8,
      duration: 0.03,
      dt: 0.1,
      params: { k: 1.5, sigma_ou: 0.05 },
      seed: 4,
      record: { observables: ["rE", "rI"], period: 0.1 },
    };
    // Every group's lanes share stream 0 → shared-key path. Streams 0, 1, 2, 3, 4, 5, 6, 0: the
    // driver groups lanes by key ([0, 0, 1, 2] [3, 4, 5, 6]), so lanes 0 and 7 run in a group of
    // mixed keys → per-lane path.
    const streams = [0, 1, 2, 3, 4, 5, 6, 0];
    const shared = await simulateWasm(prepareSimulation({ ...base, noise: [0, 0, 0, 0, 0, 0, 0, 0] }), { threads: 1, width: 1 });
    const mixed = await simulateWasm(prepareSimulation({ ...base, noise: streams }), { threads: 1, width: 1 });
    const ref = simulateReference(prepareSimulation({ ...base, noise: streams }));
    const T = shared.recorded.rE!.length / (8 * n);
    let differs = 0;
    for (const name of ["rE", "rI"]) {
      const a = shared.recorded[name]!, b = mixed.recorded[name]!, r = ref.recorded[name]!;
      for (let lane = 0; lane < 8; lane++) {
        for (let k = lane * T * n; k < (lane + 1) * T * n; k++) {
          if (streams[lane] === 0) expect(a[k]).toBe(b[k]); // same key, other path: the same bits
          else if (a[k] !== b[k]) differs++;
          expect(Math.abs(b[k]! - r[k]!)).toBeLessThan(1e-4);
        }
      }
    }
    expect(differs).toBeGreaterThan(0); // other streams really are other noise
    // Lanes with keys of their own: width 1 draws per vector (normals4), widths 2 and 4 two
    // vectors per call (two interleaved chains into a scratch row that, at n = 6 and width 4,
    // is longer than one step's shared row): the same bits.
    const independent = await Promise.all(
      ([1, 2, 4] as const).map((width) => simulateWasm(prepareSimulation({ ...base, noise: "independent" }), { threads: 1, width })),
    );
    for (const r of independent.slice(1)) for (const name of ["rE", "rI"]) expect(r.recorded[name]).toEqual(independent[0]!.recorded[name]);
  }
  it("groups lanes by noise key and gives every lane back in its place (per-lane parameters, recordings, averages)", async () => {
    // Seeds A, B, A, B, …: run as [A A A A][B B B B] (shared-key groups), results in the caller's
    // order. Each lane must equal, bit for bit, the same lane run among lanes of its own key only.
    const n = 5;
    const W = Float64Array.from({ length: n * n }, (_, k) => (k % 6 === 0 ? 0 : 0.1 + (k % 4) * 0.1));
    const G = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
    const base = {
      model: supHopf,
      network: { weights: W, lengths: W.map((v) => v * 50), speed: 4 },
      duration: 0.02,
      dt: 0.1,
      params: { a: -0.05, sigma: 0.05 },
      record: { observables: ["x"], period: 0.5 },
      averages: ["x"],
    };
    const mixed = await simulateWasm(
      prepareSimulation({ ...base, lanes: 8, params: { ...base.params, G }, seed: [1, 2, 1, 2, 1, 2, 1, 2] }),
      { threads: 1, width: 1 },
    );
    expect(laneOrderByKey(Uint32Array.of(1, 2, 1, 2), Uint32Array.of(0, 0, 0, 0))).toEqual([0, 2, 1, 3]);
    expect(laneOrderByKey(Uint32Array.of(1, 1, 2, 2), Uint32Array.of(0, 0, 0, 0))).toBeNull();
    for (const [seed, lanes] of [[1, [0, 2, 4, 6]], [2, [1, 3, 5, 7]]] as const) {
      const alone = await simulateWasm(
        prepareSimulation({ ...base, lanes: 4, params: { ...base.params, G: lanes.map((l) => G[l]!) }, seed }),
        { threads: 1, width: 1 },
      );
      const T = alone.recorded.x!.length / (4 * n);
      lanes.forEach((lane, k) => {
        expect(Array.from(mixed.recorded.x!.subarray(lane * T * n, (lane + 1) * T * n))).toEqual(
          Array.from(alone.recorded.x!.subarray(k * T * n, (k + 1) * T * n)),
        );
        expect(Array.from(mixed.averages.x!.subarray(lane * n, (lane + 1) * n))).toEqual(
          Array.from(alone.averages.x!.subarray(k * n, (k + 1) * n)),
        );
      });
    }
  });
  it("integrates the same bits whether the coupling pass covers one step or several (blocked delayed reads)", async () => {
    // Delays of 5–11 steps: width 1 (a pass covers 8 steps when every delay is ≥ 8) falls back
    // to one step per pass, width 2 (4 steps) and width 4 (2 steps) block. Each lane's
    // arithmetic is the same in every width, so all three must agree bit for bit, through the
    // tail steps that do not fill a block (403 steps) and across recording chunks.
    const n = 7;
    const Wt = Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 0 : 0.05 + ((k * 37) % 11) / 40));
    const Lg = Float64Array.from({ length: n * n }, (_, k) => 5 + ((k * 13) % 7));
    const opts = {
      model: supHopf,
      network: { weights: Wt, lengths: Lg, speed: 10 },
      lanes: 16,
      duration: 0.0403,
      dt: 0.1,
      params: { a: -0.02, G: 0.3, sigma: 0.03 },
      seed: 11,
      noise: "independent" as const,
      record: { observables: ["x"], period: 0.3 },
      averages: ["x"],
    };
    const runs = await Promise.all(([1, 2, 4] as const).map((width) => simulateWasm(prepareSimulation(opts), { threads: 1, width })));
    expect(Array.from(runs[1]!.recorded.x!)).toEqual(Array.from(runs[0]!.recorded.x!));
    expect(Array.from(runs[2]!.recorded.x!)).toEqual(Array.from(runs[0]!.recorded.x!));
    expect(Array.from(runs[2]!.averages.x!)).toEqual(Array.from(runs[0]!.averages.x!));
    const ref = simulateReference(prepareSimulation(opts));
    let maxErr = 0;
    ref.recorded.x!.forEach((v, k) => (maxErr = Math.max(maxErr, Math.abs(v - runs[2]!.recorded.x![k]!))));
    expect(maxErr).toBeLessThan(1e-4);
  });
  // Blocked passes on a sparse 9-node network (some targets have no edge in a tile), with one
  // coupling (SupHopf) and two (Kuramoto: the pass's sums of both in one buffer): every variant
  // must give the bits of `base`, and those must match the reference.
  const blockedPassCases: { model: ModelSpec; params: Record<string, number>; obs: string }[] = [
    { model: supHopf, params: { a: -0.02, G: 0.3, sigma: 0.03 }, obs: "x" },
    { model: kuramoto, params: { K: 2, sigma: 0.05 }, obs: "sin_theta" },
  ];
  async function sameBitsAcross(speed: number, lanes: number, base: WasmOptions, variants: WasmOptions[]) {
    const n = 9;
    const network = { weights: sparseWeights(n), lengths: Float64Array.from({ length: n * n }, (_, k) => 5 + ((k * 13) % 7)), speed };
    for (const c of blockedPassCases) {
      const opts = bitTestOptions(c, network, lanes);
      const want = await simulateWasm(prepareSimulation(opts), { threads: 1, ...base });
      for (const v of variants) {
        const got = await simulateWasm(prepareSimulation(opts), { threads: 1, ...v });
        expect(Array.from(got.recorded[c.obs]!), `${c.model.name}, ${JSON.stringify(v)}`).toEqual(Array.from(want.recorded[c.obs]!));
      }
      const ref = simulateReference(prepareSimulation(opts));
      let maxErr = 0;
      ref.recorded[c.obs]!.forEach((v, k) => (maxErr = Math.max(maxErr, Math.abs(v - want.recorded[c.obs]![k]!))));
      expect(maxErr).toBeLessThan(1e-4);
    }
  }
  it("integrates the same bits whatever the source tiles of the blocked coupling pass", async () => {
    // The blocked pass walks sources in tiles (src/backends/wasm/driver.ts sourceTiles) and carries
    // each target's sums from tile to tile; every target must still add its sources in row order.
    // Tiles of 1 source, of a few, and one tile (the plain row walk); delays 12–27 steps (every
    // width blocks), widths 1 and 2.
    for (const width of [1, 2] as const) {
      await sameBitsAcross(4, 8, { width, tileRingBytes: 1e9 }, [{ width, tileRingBytes: 1500 }, { width, tileRingBytes: 1 }]);
    }
  });
  it("integrates the same bits whatever the length of the blocked coupling pass", async () => {
    // Delays 25–55 steps: a pass can cover up to 24 steps (MAX_PASS_STEPS 32, floored to the
    // kernel's TC), as 24 / TC sub-blocks; 503 steps recorded every 3 in chunks of 384 leave
    // remainders that end a chunk on shorter passes. Passes of TC steps (maxPassSteps 1: the
    // kernel before longer passes), of 8, and of 24, with small source tiles too.
    const variants = ([1, 2, 4] as const).flatMap((width): WasmOptions[] => [
      { width, maxPassSteps: 1 },
      { width, maxPassSteps: 8 },
      { width, maxPassSteps: 32 },
      { width, maxPassSteps: 32, tileRingBytes: 1500 },
    ]);
    await sameBitsAcross(2, 16, { width: 1, maxPassSteps: 1 }, variants);
  });
  it("integrates the same bits with the dense coupling pass as with the edge walk (no delays)", async () => {
    // Without delays both layouts sum the coupling as a matrix product over all sources (zero
    // weights included, blocks of 4 / width targets in the "lanes" layout) instead of walking each
    // target's edges; every target must still add its sources in order. n = 7 (the last block
    // of targets is partly padding), a sparse row pattern (zeros between edges), one coupling
    // (rWW + BOLD; SupHopf, difference) and two (Kuramoto), widths 1, 2 and 4 and the nodes layout.
    const n = 7;
    const Wt = sparseWeights(n);
    const cases: { model: ModelSpec; params: Record<string, number>; obs: string }[] = [
      { model: withBold(rww), params: { G: 0.8, sigma: 0.01 }, obs: "bold" },
      { model: supHopf, params: { a: -0.02, G: 0.3, sigma: 0.03 }, obs: "x" },
      { model: kuramoto, params: { K: 2, sigma: 0.05 }, obs: "sin_theta" },
    ];
    for (const c of cases) {
      for (const [layout, width, lanes] of [["lanes", 1, 8], ["lanes", 2, 8], ["lanes", 4, 16], ["nodes", undefined, 2]] as const) {
        const opts = { ...bitTestOptions(c, { weights: Wt }, lanes), averages: [c.obs] };
        const [dense, walk] = await Promise.all(
          [true, false].map((denseCoupling) =>
            simulateWasm(prepareSimulation(opts), { threads: 1, layout, width, denseCoupling, relaxed: false })
          ),
        );
        expect(Array.from(dense!.recorded[c.obs]!)).toEqual(Array.from(walk!.recorded[c.obs]!));
        expect(Array.from(dense!.averages[c.obs]!)).toEqual(Array.from(walk!.averages[c.obs]!));
      }
    }
  });
  it("gives one simulation the same bits with vectors over nodes as with vectors over lanes", async () => {
    // n = 7 (not a multiple of 4: a padded block), delays 5–11 steps (one-step passes in the
    // nodes layout, whose blocks are 8 steps) and 12–27 (blocked), difference coupling (SupHopf),
    // two couplings (Kuramoto), linear coupling with BOLD as slow states (rWW), independent and
    // shared noise, 1, 2 and 3 lanes, and no delays (a dense pass in the nodes layout). Same
    // per-value arithmetic in both layouts (plain SIMD).
    const n = 7;
    const Wt = Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 0 : 0.05 + ((k * 37) % 11) / 40));
    const cases: {
      model: ModelSpec;
      params: Record<string, number | number[]>;
      speed: number;
      lanes: number;
      noise: "shared" | "independent";
      obs: string;
    }[] = [
      { model: supHopf, params: { a: -0.02, G: 0.3, sigma: 0.03 }, speed: 10, lanes: 1, noise: "independent", obs: "x" },
      { model: supHopf, params: { a: [0.1, -0.1, 0.05], G: 0.3, sigma: 0.03 }, speed: 4, lanes: 3, noise: "shared", obs: "y" },
      { model: withBold(rww), params: { G: 0.8, sigma: 0.01 }, speed: 4, lanes: 2, noise: "independent", obs: "bold" },
      { model: kuramoto, params: { K: 2, sigma: 0.05 }, speed: 10, lanes: 1, noise: "shared", obs: "sin_theta" },
      // No delays: the nodes layout's dense matrix-vector pass (linear, difference, two couplings).
      { model: withBold(rww), params: { G: 0.8, sigma: 0.01 }, speed: 0, lanes: 1, noise: "shared", obs: "bold" },
      { model: supHopf, params: { a: -0.02, G: 0.3, sigma: 0.03 }, speed: 0, lanes: 2, noise: "independent", obs: "x" },
      { model: kuramoto, params: { K: 2, sigma: 0.05 }, speed: 0, lanes: 3, noise: "shared", obs: "cos_theta" },
    ];
    for (const c of cases) {
      const Lg = Float64Array.from({ length: n * n }, (_, k) => 5 + ((k * 13) % 7));
      const opts = {
        model: c.model,
        network: c.speed ? { weights: Wt, lengths: Lg, speed: c.speed } : { weights: Wt },
        lanes: c.lanes,
        duration: 0.0503,
        dt: 0.1,
        params: c.params,
        seed: 5,
        noise: c.noise,
        record: { observables: [c.obs], period: 0.5 },
        averages: [c.obs],
      };
      const byNodes = await simulateWasm(prepareSimulation(opts), { threads: 2, layout: "nodes", relaxed: false });
      const byLanes = await simulateWasm(prepareSimulation(opts), { threads: 1, layout: "lanes", width: 1, relaxed: false });
      expect(byNodes.backendInfo).toContain("over nodes");
      expect(Array.from(byNodes.recorded[c.obs]!)).toEqual(Array.from(byLanes.recorded[c.obs]!));
      expect(Array.from(byNodes.averages[c.obs]!)).toEqual(Array.from(byLanes.averages[c.obs]!));
    }
  });
});

describe("wasm lane plan (planLaneGroups)", () => {
  it("covers every lane once, in order, with near-equal lanes per thread and no avoidable padding", () => {
    for (const cost of Object.values(LANE_COST_BY_WIDTH)) {
      for (let lanes = 1; lanes <= 130; lanes++) {
        for (const threads of [1, 2, 3, 4, 8, 16]) {
          const plan = planLaneGroups(lanes, threads, cost);
          expect(plan.length).toBe(Math.min(threads, Math.ceil(lanes / 4)));
          let next = 0;
          const perThread = plan.map((segs) => {
            let padded = 0;
            for (const seg of segs) {
              expect(seg.laneStart).toBe(next);
              expect(seg.count).toBeGreaterThan(0);
              next += seg.count;
              padded += Math.ceil(seg.count / (4 * seg.width)) * 4 * seg.width;
            }
            // padding past the thread's lanes rounded up to 4 only where a wider group is cheaper
            // than narrower ones: never a whole group of padding
            const own = segs.reduce((a, seg) => a + seg.count, 0);
            expect(padded - Math.ceil(own / 4) * 4).toBeLessThan(4 * Math.max(...segs.map((seg) => seg.width)));
            return own;
          });
          expect(next).toBe(lanes);
          // every thread within one group of 4 lanes of every other (counting the last, partial one as whole)
          const units = perThread.map((own) => Math.ceil(own / 4));
          expect(Math.max(...units) - Math.min(...units)).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it("balances batches that are not a multiple of two wide groups", () => {
    const shape = (lanes: number, delays: boolean) =>
      planLaneGroups(lanes, 2, LANE_COST_BY_WIDTH[delays ? "delays" : "noDelays"]).map((segs) =>
        segs.map((seg) => `${seg.count}×w${seg.width}`).join(" + ")
      );
    // before: groups of 16 split 2 : 1 (32 lanes of work on one core, 16 on the other)
    expect(shape(40, false)).toEqual(["16×w4 + 4×w1", "16×w4 + 4×w1"]);
    expect(shape(40, true)).toEqual(["16×w4 + 4×w1", "16×w4 + 4×w1"]);
    expect(shape(64, false)).toEqual(["32×w4", "32×w4"]);
    expect(shape(64, true)).toEqual(["32×w4", "32×w4"]);
    expect(shape(24, true)).toEqual(["8×w2 + 4×w1", "8×w2 + 4×w1"]);
    expect(shape(8, false)).toEqual(["4×w1", "4×w1"]);
    // a forced width: whole groups of it, split as evenly as whole groups allow
    expect(planLaneGroups(40, 2, LANE_COST_BY_WIDTH.noDelays, 4).map((segs) => segs.map((seg) => seg.count))).toEqual([[32], [8]]);
  });
});
