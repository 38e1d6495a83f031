// Properties of the WebGPU backend that need no tolerance: bit-identical reruns, lane
// independence, decoupling at zero coupling, results independent of how the run is cut into
// chunks, dispatches and lane groups; plus streaming, averages, derived observables and the
// memory plan of a large run.
import { describe, expect, it } from "vitest";
import { simulateReference } from "../../src/backends/reference.ts";
import {
  holdStates,
  paramsSameAtEveryNode,
  planWebGpuRun,
  simulateWebGpu,
  type WebGpuRunOptions,
  workgroupShape,
  workgroupsShareKeys,
} from "../../src/backends/webgpu/driver.ts";
import { WebGpuUnavailableError } from "../../src/backends/webgpu/gpu.ts";
import { generateSimulationKernel } from "../../src/codegen/wgsl.ts";
import { compileModel, type ModelSpec } from "../../src/models/spec.ts";
import { supHopf } from "../../src/models/hopf.ts";
import { withBold } from "../../src/models/bold.ts";
import { rww } from "../../src/models/rww.ts";
import { wilsonCowan } from "../../src/models/wilsoncowan.ts";
import { prepareSimulation, type RecordedChunk, type SimulationOptions } from "../../src/batch/prepare.ts";
import { simulate } from "../../src/sim/simulate.ts";
import { itHasAdapter, WEBGPU_OPTED_OUT } from "./gpu.ts";

/** Deterministic pseudo-random n×n weights (about half present) and delays 0..maxDelay steps. */
function network(n: number, seed: number, maxDelay: number, dt: number) {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const weights = new Float64Array(n * n);
  const lengths = new Float64Array(n * n);
  for (let q = 0; q < n * n; q++) {
    if (rnd() < 0.5) weights[q] = 0.05 + 0.3 * rnd();
    lengths[q] = Math.floor(rnd() * (maxDelay + 1)) * dt;
  }
  return { weights, lengths, speed: 1 };
}

const hopfBase = (lanes: number): SimulationOptions => ({
  model: supHopf,
  network: network(7, 3, 6, 0.1),
  lanes,
  duration: 0.03,
  dt: 0.1,
  seed: Array.from({ length: lanes }, (_, l) => 100 + l),
  noise: "independent",
  params: { a: Array.from({ length: lanes }, (_, l) => -0.3 + 0.2 * l), G: 0.4, sigma: 0.05 },
  record: { observables: ["x", "y", "r2"], period: 0.5 },
  averages: ["x", "r2"],
});

const run = (o: SimulationOptions, extra: WebGpuRunOptions = {}) => simulateWebGpu(prepareSimulation(o), extra);

describe.skipIf(WEBGPU_OPTED_OUT)("webgpu backend behaviour", () => {
  itHasAdapter();

  it("reruns are bit-identical, and the result names the adapter", async () => {
    const a = await run(hopfBase(3));
    const b = await run(hopfBase(3));
    expect(b.recorded).toEqual(a.recorded);
    expect(b.averages).toEqual(a.averages);
    expect(a.backend).toBe("webgpu");
    expect(a.backendInfo).toMatch(/^WebGPU on /);
    expect(a.recorded.x!.length).toBe(3 * 60 * 7);
    expect(a.times.length).toBe(60);
    expect(a.nodeStepsPerSecond).toBeGreaterThan(0);
  });

  it("lanes are independent: changing lane 1 leaves lanes 0 and 2 bit-identical", async () => {
    const base = hopfBase(3);
    const a = await run(base);
    const changed = { ...base, params: { ...base.params, a: [-0.3, 0.7, 0.1] }, seed: [100, 999, 102] };
    const b = await run(changed);
    const per = a.recorded.x!.length / 3;
    for (const name of ["x", "y", "r2"]) {
      expect(b.recorded[name]!.subarray(0, per)).toEqual(a.recorded[name]!.subarray(0, per));
      expect(b.recorded[name]!.subarray(2 * per)).toEqual(a.recorded[name]!.subarray(2 * per));
      expect(b.recorded[name]!.subarray(per, 2 * per)).not.toEqual(a.recorded[name]!.subarray(per, 2 * per));
    }
  });

  it("a regional parameter with one value at every node is loaded once per dispatch, with the same bits", async () => {
    const base = hopfBase(3); // a: one value per lane, so the same at all 7 nodes
    const perLane = base.params!.a as number[];
    const varied = Array.from({ length: 3 * 7 }, (_, q) => (q < 14 ? perLane[Math.floor(q / 7)]! : -0.3 + 0.05 * (q - 14)));
    const changed = { ...base, params: { ...base.params, a: varied } }; // lane 2's a differs from node to node
    const aIndex = supHopf.parameters.findIndex((q) => q.name === "a");
    expect(supHopf.parameters[aIndex]!.scope).not.toBe("global");
    expect(paramsSameAtEveryNode(prepareSimulation(base))).toContain(aIndex);
    expect(paramsSameAtEveryNode(prepareSimulation(changed))).not.toContain(aIndex);
    // −0 and +0 are different bits: not the same value.
    const zeros = { ...base, params: { ...base.params, a: Array.from({ length: 21 }, (_, q) => (q === 3 ? -0 : 0)) } };
    expect(paramsSameAtEveryNode(prepareSimulation(zeros))).not.toContain(aIndex);
    const a = await run(base), b = await run(changed);
    const per = a.recorded.x!.length / 3;
    for (const name of ["x", "y", "r2"]) {
      expect(b.recorded[name]!.subarray(0, 2 * per)).toEqual(a.recorded[name]!.subarray(0, 2 * per));
      expect(b.recorded[name]!.subarray(2 * per)).not.toEqual(a.recorded[name]!.subarray(2 * per));
    }
  });

  it("zero coupling decouples nodes: G = 0 equals an empty network, and node j's parameters do not reach node i", async () => {
    const n = 7;
    const base = { ...hopfBase(1), params: { a: -0.2, G: 0, sigma: 0.05 } };
    const coupled = await run(base);
    const empty = await run({ ...base, network: { weights: new Float64Array(n * n) } });
    expect(coupled.recorded).toEqual(empty.recorded);
    const aNodes = Array.from({ length: n }, (_, i) => (i === 3 ? 0.9 : -0.2));
    const changed = await run({ ...base, params: { ...base.params, a: aNodes } });
    const x0 = coupled.recorded.x!, x1 = changed.recorded.x!;
    for (let k = 0; k < x0.length; k++) {
      if (k % n === 3) continue;
      expect(x1[k]).toBe(x0[k]);
    }
    expect(x1.filter((_, k) => k % n === 3)).not.toEqual(x0.filter((_, k) => k % n === 3));
    // And with coupling on, node 3's change does reach the others.
    const on = await run({ ...hopfBase(1), params: { a: aNodes, G: 0.4, sigma: 0.05 } });
    const onBase = await run({ ...hopfBase(1), params: { a: -0.2, G: 0.4, sigma: 0.05 } });
    expect(on.recorded.x!.filter((_, k) => k % n === 0)).not.toEqual(onBase.recorded.x!.filter((_, k) => k % n === 0));
  });

  it("chunks, dispatch lengths and lane groups do not change a single bit", async () => {
    const base = hopfBase(5);
    const a = await run(base);
    const b = await run(base, { webgpu: { chunkSamples: 7, stepsPerDispatch: 13, lanesPerGroup: 2 } });
    const c = await run(base, { webgpu: { chunkSamples: 1, stepsPerDispatch: 1 }, workgroupSize: 4 });
    // GPU-style workgroups: 2 lanes × 3 node slices with a barrier per step, lanes split over workgroups.
    const d = await run(base, { webgpu: { nodeSlices: 3, lanesPerGroup: 3 }, workgroupSize: 6 });
    expect(b.recorded).toEqual(a.recorded);
    expect(c.recorded).toEqual(a.recorded);
    expect(d.recorded).toEqual(a.recorded);
    // Averages are f32 partial sums cut at chunk boundaries: equal up to the rounding of
    // 300 f32 additions (300 · 2^-24 of the largest |value|, here < 1).
    for (const name of ["x", "r2"]) {
      for (let q = 0; q < a.averages[name]!.length; q++) {
        expect(Math.abs(b.averages[name]![q]! - a.averages[name]![q]!)).toBeLessThan(300 * 2 ** -24);
        expect(Math.abs(c.averages[name]![q]! - a.averages[name]![q]!)).toBeLessThan(300 * 2 ** -24);
      }
    }
  });

  it("lanes per invocation do not change a single bit (delays, dense coupling, node slices, shared noise)", async () => {
    // 13 lanes: not a multiple of any span (workgroup lanes × lanes per invocation), so padding lanes run too.
    const lanes = 13;
    const delays = hopfBase(lanes);
    const noDelays: SimulationOptions = { ...hopfBase(lanes), network: { weights: network(10, 8, 0, 0.1).weights } };
    const shared: SimulationOptions = { ...hopfBase(lanes), seed: 7, noise: "shared" };
    for (
      const [what, o, extra] of [
        ["delays (CSR)", delays, {}],
        ["dense", noDelays, { coupling: "dense" }],
        ["shared noise", shared, { sharedNoise: true }],
      ] as const
    ) {
      const one = await run(o, { workgroupSize: 2, webgpu: { ...extra, lanesPerInvocation: 1 } });
      const many = await run(o, { workgroupSize: 2, webgpu: { ...extra, lanesPerInvocation: 3 } });
      expect(many.recorded, `${what}, 3 lanes per invocation`).toEqual(one.recorded);
      expect(many.averages, `${what}, 3 lanes per invocation`).toEqual(one.averages);
      // GPU-style: 2 lanes × 2 node slices (a barrier per step), 2 lanes per invocation.
      const sliced = await run(o, { workgroupSize: 4, webgpu: { ...extra, nodeSlices: 2, lanesPerInvocation: 2 } });
      expect(sliced.recorded, `${what}, node slices`).toEqual(one.recorded);
    }
    await expect(run(delays, { webgpu: { lanesPerInvocation: 0 } })).rejects.toThrow(/lanesPerInvocation must be an integer/);
    // Default: 1 on GPUs; 2 on software adapters (workgroups of 8) unless padding to 16 lanes costs more than it gains.
    const lm = (lanes: number, software: boolean) => workgroupShape(software ? 8 : 256, software, {}, lanes).lanesPerInvocation;
    expect([1, 8, 16, 20, 40, 512].map((l) => lm(l, true))).toEqual([1, 1, 2, 1, 2, 2]);
    expect([1, 512, 32768].map((l) => lm(l, false))).toEqual([1, 1, 1]);
    expect(workgroupShape(8, true, { lanesPerInvocation: 3 }, 512).lanesPerInvocation).toBe(3);
  });

  it("fast states held in workgroup memory for a dispatch give the same bits (delays, dense, node slices, lanes per invocation, BOLD)", async () => {
    const lanes = 13;
    const delays = hopfBase(lanes);
    const noDelays: SimulationOptions = { ...hopfBase(lanes), network: { weights: network(10, 8, 0, 0.1).weights } };
    // rWW + BOLD: two fast states held, four slow ones stay in storage; BOLD recorded between slow steps.
    const bold: SimulationOptions = {
      model: withBold(rww, { params: "cubnm" }),
      network: { weights: network(9, 12, 0, 0.1).weights },
      lanes,
      duration: 0.05,
      dt: 0.1,
      integrator: "euler",
      seed: 4,
      noise: "shared",
      params: { G: Array.from({ length: lanes }, (_, l) => 0.1 + 0.05 * l) },
      record: { observables: ["S_E", "bold"], period: 2.5 },
      averages: ["S_E", "bold"],
    };
    for (
      const [what, o, extra] of [
        ["delays (CSR)", delays, {}],
        ["dense", noDelays, { coupling: "dense" }],
        ["rWW + BOLD, shared noise", bold, { sharedNoise: true }],
      ] as const
    ) {
      // 7 steps per dispatch: states go back to storage and come in again between dispatches.
      const base = { ...extra, stepsPerDispatch: 7, holdStates: false };
      for (const shape of [{ workgroupSize: 2 }, { workgroupSize: 4, webgpu: { nodeSlices: 2, lanesPerInvocation: 2 } }]) {
        const stored = await run(o, { workgroupSize: shape.workgroupSize, webgpu: { ...base, ...shape.webgpu } });
        const held = await run(o, { workgroupSize: shape.workgroupSize, webgpu: { ...base, ...shape.webgpu, holdStates: true } });
        expect(held.backendInfo).toContain("fast states held in workgroup memory");
        expect(stored.backendInfo).not.toContain("held");
        expect(held.recorded, `${what}, ${JSON.stringify(shape)}`).toEqual(stored.recorded);
        expect(held.averages, `${what}, ${JSON.stringify(shape)}`).toEqual(stored.averages);
      }
    }
    // Default: on GPUs where they fit (rWW + BOLD, 100 nodes, 32 lanes: 25.6 KB of states + 1.6 KB
    // of shared normals), never on software adapters.
    const rwwBold = compileModel(withBold(rww, { params: "cubnm" }));
    const gpuShape = workgroupShape(256, false, {}, 512);
    expect(holdStates(rwwBold, 100, gpuShape, true, false, 32768)).toBe(100);
    expect(holdStates(rwwBold, 100, gpuShape, true, false, 16384)).toBe(0);
    expect(holdStates(rwwBold, 100, gpuShape, true, true, 32768)).toBe(0);
    expect(holdStates(rwwBold, 100, gpuShape, false, true, 32768, true)).toBe(100);
    // Asked for and too large for the adapter's workgroup memory: an error that names the knob.
    const big: SimulationOptions = { ...hopfBase(2), network: { weights: new Float64Array(4000 * 4000) } };
    await expect(run(big, { workgroupSize: 64, webgpu: { holdStates: true, lanesPerInvocation: 1 } })).rejects.toThrow(
      /webgpu\.holdStates: .* need \d+ bytes of workgroup memory/,
    );
  });

  it("without delays, the dense matrix-product coupling agrees with the CSR path, whatever the workgroup shape", async () => {
    // 37 lanes (not a multiple of any workgroup's lanes), 10 nodes (not a multiple of the 4-node tile).
    const lanes = 37;
    const noDelays: SimulationOptions = {
      ...hopfBase(lanes),
      network: { weights: network(10, 8, 0, 0.1).weights },
      params: { a: Array.from({ length: lanes }, (_, l) => -0.3 + 0.02 * l), G: 0.4, sigma: 0.05 },
    };
    const dense = await run(noDelays, { webgpu: { coupling: "dense" } });
    const sliced = await run(noDelays, { webgpu: { coupling: "dense", nodeSlices: 2, lanesPerGroup: 20 }, workgroupSize: 16 });
    const csr = await run(noDelays, { webgpu: { coupling: "csr" } });
    expect(sliced.recorded).toEqual(dense.recorded);
    // Same sums in the same order (the dense rows add zeros for absent edges): f32 rounding at most.
    for (const name of ["x", "y"]) {
      const g = dense.recorded[name]!, r = csr.recorded[name]!;
      expect(g.length).toBe(lanes * 60 * 10);
      for (let q = 0; q < g.length; q++) expect(Math.abs(g[q]! - r[q]!)).toBeLessThan(1e-5 * (1 + Math.abs(r[q]!)));
    }
    await expect(run(hopfBase(2), { webgpu: { coupling: "dense" } })).rejects.toThrow(/without delays/);
  });

  it("slow states (BOLD) loaded only on slow and sample steps: sparse BOLD recording matches the reference", async () => {
    // BOLD at bw_dt 1 ms = every 10th step, recorded every 2.5 ms (25 steps, not a multiple of
    // 10): between samples the kernel neither loads nor stores the Balloon–Windkessel states.
    const opts: SimulationOptions = {
      model: withBold(rww, { params: "cubnm" }),
      network: { weights: network(6, 12, 0, 0.1).weights },
      lanes: 3,
      duration: 0.1, // 1000 steps
      dt: 0.1,
      integrator: "euler",
      seed: [1, 2, 3],
      noise: "independent",
      params: { G: [0.2, 0.5, 0.8] },
      record: { observables: ["bold", "bw_q"], period: 2.5 },
      averages: ["S_E"],
    };
    const gpu = await run(opts);
    const ref = simulateReference(prepareSimulation(opts));
    for (const name of ["bold", "bw_q"]) {
      const g = gpu.recorded[name]!, r = ref.recorded[name]!;
      expect(g.length).toBe(3 * 40 * 6);
      let worst = 0, spread = 0;
      for (let q = 0; q < g.length; q++) {
        worst = Math.max(worst, Math.abs(g[q]! - r[q]!));
        spread = Math.max(spread, Math.abs(r[q]! - r[q % 6]!));
      }
      if (process.env.BRAINFIT_VERBOSE) console.log(name, worst, spread);
      // The states move (a BOLD state stuck at its initial value would be off by about the whole
      // spread); f32 stays within 2 % of it (observed 0.3 %).
      expect(spread).toBeGreaterThan(1e-6);
      expect(worst).toBeLessThan(0.02 * spread);
    }
  });

  it("streams chunks in order with keepRecorded: false, and they equal the kept recording", async () => {
    const chunks: RecordedChunk[] = [];
    const base = hopfBase(2);
    const kept = await run(base, { webgpu: { chunkSamples: 16 } });
    const streamed = await run({ ...base, keepRecorded: false, onChunk: (ch) => chunks.push(ch) }, { webgpu: { chunkSamples: 16 } });
    expect(streamed.recorded).toEqual({});
    expect(chunks.map((c) => [c.start, c.count])).toEqual([[0, 16], [16, 16], [32, 16], [48, 12]]);
    const n = 7, S = 60;
    for (const ch of chunks) {
      for (let l = 0; l < 2; l++) {
        const got = ch.data.x!.subarray(l * ch.count * n, (l + 1) * ch.count * n);
        const want = kept.recorded.x!.subarray((l * S + ch.start) * n, (l * S + ch.start + ch.count) * n);
        expect(got).toEqual(want);
      }
    }
  });

  it("long-run averages (f32 sums moved to f64 every 2048 steps), derived observables and sparse recording match the reference", async () => {
    const opts: SimulationOptions = {
      model: wilsonCowan,
      network: network(5, 9, 4, 0.1),
      lanes: 2,
      duration: 0.5, // 5000 steps: three sum read-backs
      dt: 0.1,
      seed: [1, 2],
      noise: "independent",
      params: { k: [0.5, 1.5], sigma_ou: 0.05 },
      record: { observables: ["rE", "F_E", "in_I"], period: 25 },
      averages: ["rE", "F_E", "ou_E"],
    };
    const gpu = await run(opts);
    const ref = simulateReference(prepareSimulation(opts));
    // Default WC parameters relax to a stable fixed point (|∂f/∂x| dominated by −1/τ), so f32
    // errors do not grow: compare to f32 accuracy with a generous factor.
    for (const name of ["rE", "F_E", "in_I"]) {
      const g = gpu.recorded[name]!, r = ref.recorded[name]!;
      expect(g.length).toBe(2 * 20 * 5);
      for (let q = 0; q < g.length; q++) expect(Math.abs(g[q]! - r[q]!)).toBeLessThan(2e-5 * (1 + Math.abs(r[q]!)));
    }
    for (const name of ["rE", "F_E", "ou_E"]) {
      const g = gpu.averages[name]!, r = ref.averages[name]!;
      for (let q = 0; q < g.length; q++) expect(Math.abs(g[q]! - r[q]!)).toBeLessThan(2e-5 * (1 + Math.abs(r[q]!)));
    }
  });

  it("simulate({ backend: 'webgpu' }) runs this backend", async () => {
    const r = await simulate({ ...hopfBase(1), backend: "webgpu" });
    expect(r.backend).toBe("webgpu");
    expect(r.recorded.x!.length).toBe(60 * 7);
  });
});

describe("webgpu run plan (no GPU needed)", () => {
  it("512 lanes × 100 nodes × 10 simulated minutes streams in bounded memory", () => {
    const n = 100;
    const net = network(n, 5, 150, 0.1);
    const sim = prepareSimulation({
      model: supHopf,
      network: net,
      lanes: 512,
      duration: 600,
      dt: 0.1,
      record: { observables: ["x"], period: 1 },
      averages: ["x", "r2"],
      keepRecorded: false,
      onChunk: () => {},
    });
    const limits = { maxStorageBufferBindingSize: 128 << 20, maxComputeWorkgroupsPerDimension: 65535 };
    const plan = planWebGpuRun(sim, limits);
    expect(plan.largestBufferBytes).toBeLessThanOrEqual(128 << 20);
    expect(plan.totalBufferBytes).toBeLessThan(256 << 20);
    // Segments tile all 6 000 000 steps, and chunks tile all 600 000 samples exactly once.
    let step = 0, samples = 0;
    for (const s of plan.segments) {
      expect(s.firstStep).toBe(step);
      step += s.nSteps;
      expect(s.nSteps).toBeLessThanOrEqual(2048);
      if (s.completesChunk >= 0) {
        expect(s.chunkStart).toBe(samples);
        samples += s.chunkCount;
      }
    }
    expect(step).toBe(sim.nSteps);
    expect(samples).toBe(sim.nSamples);
  });

  it("splits lanes into groups when one binding cannot hold them, and refuses a lane that cannot fit", () => {
    const sim = prepareSimulation({ model: supHopf, network: network(100, 5, 150, 0.1), lanes: 512, duration: 0.01 });
    const plan = planWebGpuRun(sim, { maxStorageBufferBindingSize: 16 << 20, maxComputeWorkgroupsPerDimension: 65535 });
    expect(plan.lanesPerGroup).toBeLessThan(512);
    expect(plan.lanesPerGroup * 2 * plan.ringLength * 100 * 4).toBeLessThanOrEqual(16 << 20); // mirrored ring: 2R slots
    expect(() => planWebGpuRun(sim, { maxStorageBufferBindingSize: 1024, maxComputeWorkgroupsPerDimension: 65535 })).toThrow(
      /maxStorageBufferBindingSize/,
    );
  });

  it("says how to get an adapter when there is none", () => {
    const msg = new WebGpuUnavailableError("requestAdapter() returned null").message;
    expect(msg).toMatch(/mesa-vulkan-drivers/);
    expect(msg).toMatch(/bookworm-backports/);
    expect(msg).toMatch(/"wasm"/);
  });

  it("generates one kernel per model, integrator and observables, whatever the network shape", () => {
    const m = compileModel(supHopf);
    const k1 = generateSimulationKernel(m, { integrator: "heun", recordIdx: [0], averageIdx: [] });
    const k2 = generateSimulationKernel(m, { integrator: "heun", recordIdx: [0], averageIdx: [] });
    const k3 = generateSimulationKernel(m, { integrator: "euler", recordIdx: [0], averageIdx: [] });
    expect(k2.source).toBe(k1.source);
    expect(k3.source).not.toBe(k1.source);
    expect(k1.source).toContain("fn philox4x32_10");
    expect(k1.source).not.toMatch(/\/\*@[A-Z]+@\*\//);
  });
});

describe.skipIf(WEBGPU_OPTED_OUT)("webgpu codegen covers the whole expression language", () => {
  // Every function, a conditional, a non-integer power, t, a derived quantity, state limits
  // (active: u is pushed against its upper bound), two noise channels and difference coupling
  // of a nonlinear coupled quantity.
  const custom: ModelSpec = {
    name: "CodegenCoverage",
    description: "test model",
    citation: "none",
    states: [
      { name: "u", init: 0.9, min: -1, max: 1 },
      { name: "v", init: 0.3 },
    ],
    parameters: [
      { name: "G", default: 0.3, bounds: [0, 1], unit: "1", scope: "global" },
      { name: "sigma", default: 0.02, bounds: [0, 1], unit: "1", scope: "global" },
      { name: "b", default: 2, bounds: [0, 5], unit: "1", scope: "regional" },
    ],
    couplings: [{ name: "c", of: "u^2 + v", form: "difference" }],
    derived: [{ name: "uv", expr: "u * v" }],
    drift: {
      u: "tanh(b * v) + 0.9 - 0.2 * u + 0.5 * sin(0.1 * t) + G * c",
      v: "(abs(u) > 2 || !(v < 5) ? -v : 0.2 - v) + max(u, 0)^1.5 - 0.1 * exp(-v * v) + 0.05 * log(1 + u * u) + 0.01 * sqrt(abs(v)) + 0.01 * min(u, v) + 0.01 * cos(v) / (1 + v^2) + pi * 0.001",
    },
    diffusion: { u: "sigma", v: "0.5 * sigma" },
  };

  it("matches the reference on a model using every construct", async () => {
    for (const integrator of ["euler", "heun"] as const) {
      const opts: SimulationOptions = {
        model: custom,
        network: network(6, 11, 3, 0.05),
        lanes: 2,
        duration: 0.005, // 100 steps
        dt: 0.05,
        integrator,
        seed: [4, 5],
        noise: "independent",
        params: { b: Array.from({ length: 12 }, (_, q) => 1 + q / 6) },
        record: { observables: ["u", "v", "uv"], period: 0.05 },
      };
      const gpu = await run(opts);
      const ref = simulateReference(prepareSimulation(opts));
      // Smooth except the conditional (not crossed here); 100 steps of a mildly expanding system:
      // f32 errors of ~1e-6 are expected, a wrong term would move x by >= 1e-3.
      for (const name of ["u", "v", "uv"]) {
        const g = gpu.recorded[name]!, r = ref.recorded[name]!;
        let worst = 0;
        for (let q = 0; q < g.length; q++) worst = Math.max(worst, Math.abs(g[q]! - r[q]!) / (1 + Math.abs(r[q]!)));
        if (process.env.BRAINFIT_VERBOSE) console.log(integrator, name, worst);
        expect(worst).toBeLessThan(2e-5);
      }
      // The upper limit of u is reached and held exactly.
      expect(Math.max(...gpu.recorded.u!)).toBe(1);
    }
  });

  it("draws shared-key normals once per workgroup with the same bits as per-lane draws, and only where every workgroup shares a key", async () => {
    // Wilson–Cowan with OU noise: 4 noise channels. 16 lanes in workgroups of 8 (lavapipe's
    // default): all lanes on stream 0 → the shared-noise kernel; stream 1 on lane 15 → one
    // workgroup mixes keys → the per-lane kernel for every workgroup.
    const opts = (noise: number[]): SimulationOptions => ({
      model: wilsonCowan,
      network: network(9, 5, 4, 0.1),
      lanes: 16,
      duration: 0.02,
      dt: 0.1,
      seed: 7,
      noise,
      params: { k: Array.from({ length: 16 }, (_, l) => 1 + 0.05 * l), sigma_ou: 0.05 },
      record: { observables: ["rE"], period: 0.2 },
      averages: ["rI"],
    });
    const sharedStreams = new Array<number>(16).fill(0);
    const mixedStreams = [...sharedStreams.slice(0, 15), 1];
    const sim = prepareSimulation(opts(sharedStreams));
    expect(workgroupsShareKeys(sim, 16, 8)).toBe(true);
    expect(workgroupsShareKeys(prepareSimulation(opts(mixedStreams)), 16, 8)).toBe(false);
    // Padding lanes copy the group's first lane: 12 lanes of one key in workgroups of 8 share.
    expect(workgroupsShareKeys({ lanes: 12, seeds: new Uint32Array(12).fill(3), streams: new Uint32Array(12) }, 12, 8)).toBe(true);
    expect(
      generateSimulationKernel(compileModel(wilsonCowan), {
        integrator: "heun",
        recordIdx: [0],
        averageIdx: [],
        lanesPerWorkgroup: 8,
        sharedNoise: true,
      }).source,
    ).toContain("var<workgroup> wz");
    // (Forced on: the default is off on software adapters such as lavapipe.)
    const shared = await run(opts(sharedStreams), { workgroupSize: 8, webgpu: { sharedNoise: true } });
    const mixed = await run(opts(mixedStreams), { workgroupSize: 8, webgpu: { sharedNoise: true } });
    expect(shared.backendInfo).toContain("normals drawn once per workgroup");
    expect(mixed.backendInfo).not.toContain("normals drawn once per workgroup");
    const T = shared.recorded.rE!.length / (16 * 9);
    for (let lane = 0; lane < 15; lane++) {
      expect(Array.from(shared.recorded.rE!.subarray(lane * T * 9, (lane + 1) * T * 9))).toEqual(
        Array.from(mixed.recorded.rE!.subarray(lane * T * 9, (lane + 1) * T * 9)),
      );
      expect(Array.from(shared.averages.rI!.subarray(lane * 9, (lane + 1) * 9))).toEqual(
        Array.from(mixed.averages.rI!.subarray(lane * 9, (lane + 1) * 9)),
      );
    }
    // Lane 15's own stream is other noise; a GPU with nodeSlices > 1 (its barrier already there) agrees too.
    const slices = await run(opts(sharedStreams), { workgroupSize: 32, webgpu: { sharedNoise: true, nodeSlices: 4 } });
    expect(slices.backendInfo).toContain("normals drawn once per workgroup");
    expect(Array.from(slices.recorded.rE!)).toEqual(Array.from(shared.recorded.rE!));
    expect(Array.from(mixed.recorded.rE!.subarray(15 * T * 9))).not.toEqual(Array.from(shared.recorded.rE!.subarray(15 * T * 9)));
  });
});
