// Reverse-mode gradients on WebGPU (f32, grad/webgpu.ts) against the float64 reference
// (simulateGradient), lane by lane, on random small networks with delays (fast-check), every
// differentiable path the kernels generate: linear and difference coupling, Euler and Heun,
// derived observables seeded by the loss, slow states (BOLD), global and regional parameters,
// several checkpoint segments and several f32 sum blocks per segment.
//
// Tolerance (derived, then checked against measurement). The kernels run the same arithmetic as
// the reference in f32 (unit roundoff u = 2^-24). Each step rounds every chain of the step and of
// its adjoint a bounded number of times (C = 16 roundings per chain, as test/webgpu/compare.ts);
// on these short stable runs (no chaos, |1 − Lipschitz·dt| ≈ 1) the forward trajectory's error,
// the adjoint's and that of the sum over steps each grow at most linearly with the steps, so
//   |g32 − g64| <= C · u · steps · max|g|      (per element, max over the lane's parameters)
// e.g. 200 steps: 1.9e-4 of the lane's largest gradient. Measured on lavapipe: at most ~2e-5
// (rWW, Wilson–Cowan), 1e-6 (SupHopf). A modelling bug (a wrong delay slot or a missing
// adjoint term) changes the gradient by O(1e-2 … 1) of its size.
// BOLD adds one ill-conditioned operation: v^(1/α) = exp(log(1 + bw_v)/α), where 1 + bw_v
// rounds with absolute error u, a relative error u/|bw_v| (bw_v ~ 1e-6 in 50 ms runs). The
// recorded BOLD and its gradient inherit it: measured 0.23 and 0.3 × u/rms(bw_v); the bound adds
// 4 · u / rms(bw_v) · max|g|, with rms(bw_v) from the reference.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { jansenRit, kuramoto, type ModelSpec, rww, supHopf, supHopfDifference, wilsonCowan, withBold } from "../../src/models/index.ts";
import { type Integrator, prepareSimulation, type SimulationOptions } from "../../src/batch/prepare.ts";
import { type BatchLoss, type GradientResult, type LaneLoss, simulateGradient } from "../../src/grad/backward.ts";
import { simulateGradientWebGPU } from "../../src/grad/webgpu.ts";
import { simulateReference } from "../../src/backends/reference.ts";
import { itHasAdapter, WEBGPU_OPTED_OUT } from "../webgpu/gpu.ts";
import { sinSquaredLoss } from "./losses-fixture.ts";

const U = 2 ** -24;
const C_ROUND = 16;
const SEED = Number(process.env.BRAINFIT_FC_SEED ?? 20261202);
const DT = 0.1;

const loss: LaneLoss = sinSquaredLoss();

/** Per element: |gpu − ref| <= tol · max |ref| over the lane; values likewise. */
function expectLanesClose(ref: GradientResult, gpu: GradientResult, nodes: number, names: string[], tol: number) {
  const P = names.length;
  let worst = 0;
  for (let l = 0; l < ref.values.length; l++) {
    const lane = ref.paramGrad.subarray(l * nodes * P, (l + 1) * nodes * P);
    const scale = Math.max(...Array.from(lane, Math.abs));
    for (let q = 0; q < nodes * P; q++) {
      const err = Math.abs(gpu.paramGrad[l * nodes * P + q]! - lane[q]!);
      worst = Math.max(worst, err / scale);
      expect(err, `lane ${l} node ${Math.floor(q / P)} ${names[q % P]}: webgpu ${gpu.paramGrad[l * nodes * P + q]}, reference ${lane[q]}`)
        .toBeLessThanOrEqual(tol * scale);
    }
    expect(Math.abs(gpu.values[l]! - ref.values[l]!), `loss of lane ${l}`).toBeLessThanOrEqual(tol * Math.abs(ref.values[l]!));
  }
  return worst;
}

interface NetCase {
  n: number;
  weights: number[];
  delays: number[];
}

/** 4–6 nodes, about 70 % of connections present, delays 0–12 steps. */
const netArbitrary: fc.Arbitrary<NetCase> = fc.integer({ min: 4, max: 6 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    weights: fc.array(
      fc.oneof({ weight: 3, arbitrary: fc.double({ min: 0.05, max: 0.6, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(0) }),
      {
        minLength: n * n,
        maxLength: n * n,
      },
    ),
    delays: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: n * n, maxLength: n * n }),
  })
);
const network = (c: NetCase) => ({ weights: c.weights, lengths: c.delays.map((d) => d * DT), speed: 1 });

interface ModelCase {
  model: ModelSpec;
  record: string[];
  /** Parameter ranges drawn per lane (global) or per lane and node (regional). */
  ranges: Record<string, [number, number]>;
  fixed?: Record<string, number>;
}

const modelCases: ModelCase[] = [
  { model: supHopf, record: ["x", "r2"], ranges: { a: [-0.1, 0.05], G: [0.05, 0.5], sigma: [0.005, 0.05] } },
  { model: supHopfDifference, record: ["x"], ranges: { a: [-0.1, 0.05], omega: [0.03, 0.1], G: [0.05, 0.4], sigma: [0.005, 0.05] } },
  { model: wilsonCowan, record: ["rE", "F_I"], ranges: { k: [0.4, 1.2], theta_E: [2, 3.5], sigma_ou: [0.01, 0.08] } },
  { model: rww, record: ["S_E", "r_E"], ranges: { G: [0.5, 2], w_p: [1.2, 1.6], sigma: [0.001, 0.005] } },
  // Two couplings whose sent quantity depends on a parameter (theta0): the initial history's
  // adjoint (bwd_h0 and the first maxDelay steps) reaches the parameters.
  { model: kuramoto, record: ["sin_theta"], ranges: { K: [0.05, 0.5], theta0: [-3, 3], sigma: [0.005, 0.05] } },
  // A sigmoid coupling of parameters (v0, r) and an evoked drive in time (t in the step).
  {
    model: jansenRit,
    record: ["dipole"],
    ranges: { G: [0.5, 1.5], v0: [5, 7], sigma_p: [0.01, 0.03] },
    fixed: { drive1_amp: 0.05, drive1_mu: 5 },
  },
];

const caseArbitrary = (mc: ModelCase) =>
  fc.record({
    net: netArbitrary,
    lanes: fc.integer({ min: 1, max: 3 }),
    integrator: fc.constantFrom<Integrator>("euler", "heun"),
    checkpointEvery: fc.integer({ min: 5, max: 80 }),
    seed: fc.integer({ min: 0, max: 0xffff }),
    unit: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3 * 6 * 4, maxLength: 3 * 6 * 4 }),
  }).map((c) => {
    // Parameters from the unit draws: one value per lane (global) or per lane and node (regional).
    const params: Record<string, number | number[]> = { ...mc.fixed };
    let k = 0;
    for (const [name, [lo, hi]] of Object.entries(mc.ranges)) {
      const regional = mc.model.parameters.find((p) => p.name === name)!.scope === "regional";
      params[name] = Array.from({ length: c.lanes * (regional ? c.net.n : 1) }, () => lo + (hi - lo) * c.unit[k++ % c.unit.length]!);
    }
    const opts: SimulationOptions = {
      model: mc.model,
      network: network(c.net),
      lanes: c.lanes,
      duration: 0.02,
      dt: DT,
      seed: Array.from({ length: c.lanes }, (_, l) => c.seed + l),
      noise: "independent",
      integrator: c.integrator,
      params,
      record: { observables: mc.record, period: 0.5 },
    };
    return { opts, checkpointEvery: c.checkpointEvery };
  });

describe.skipIf(WEBGPU_OPTED_OUT)("webgpu gradients agree with the float64 reference within the f32 bound", () => {
  itHasAdapter();

  for (const [index, mc] of modelCases.entries()) {
    it(`${mc.model.name}: random networks with delays, lanes, Euler and Heun`, async () => {
      let worst = 0;
      await fc.assert(
        fc.asyncProperty(caseArbitrary(mc), async ({ opts, checkpointEvery }) => {
          const sim = prepareSimulation(opts);
          const ref = simulateGradient(sim, loss, { checkpointEvery });
          const gpu = await simulateGradientWebGPU(sim, loss, { checkpointEvery, webgpu: { lanesPerWorkgroup: 4 } });
          expect(gpu.checkpointEvery).toBe(checkpointEvery);
          const tol = C_ROUND * U * sim.nSteps;
          worst = Math.max(worst, expectLanesClose(ref, gpu, sim.nNodes, sim.model.paramNames, tol));
        }),
        { numRuns: 4, seed: SEED + index },
      );
      console.log(`${mc.model.name}: worst |Δg| / max|g| ${worst.toExponential(2)} (bound ${(C_ROUND * U * 200).toExponential(2)})`);
    });
  }

  it("SupHopf + BOLD (slow states): the bound adds BOLD's own f32 conditioning", async () => {
    const opts: SimulationOptions = {
      model: withBold(supHopf),
      network: network({
        n: 4,
        weights: [0, 0.5, 0.3, 0, 0.4, 0, 0, 0.6, 0.2, 0.3, 0, 0.5, 0, 0.4, 0.3, 0],
        delays: [0, 3, 7, 0, 2, 0, 0, 5, 9, 1, 0, 4, 0, 6, 2, 0],
      }),
      lanes: 2,
      duration: 0.05,
      dt: DT,
      seed: 3,
      params: { a: [-0.05, 0.02], G: [0.3, 0.2], sigma: 0.02 },
      record: { observables: ["bold"], period: 1 },
    };
    const sim = prepareSimulation(opts);
    const ref = simulateGradient(sim, loss, { checkpointEvery: 37 });
    const gpu = await simulateGradientWebGPU(sim, loss, { checkpointEvery: 37 });
    const states = await simulateReference(prepareSimulation({ ...opts, record: { observables: ["bw_v"], period: 1 } }));
    const v = states.recorded.bw_v!;
    const rmsV = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    const tol = C_ROUND * U * sim.nSteps + (4 * U) / rmsV;
    const worst = expectLanesClose(ref, gpu, sim.nNodes, sim.model.paramNames, tol);
    console.log(`SupHopf_BOLD: worst |Δg| / max|g| ${worst.toExponential(2)} (bound ${tol.toExponential(2)})`);
  });

  it("several f32 sum blocks per segment and one segment for the whole run", async () => {
    // 600 steps in one checkpoint segment: three blocks of GRAD_BLOCK = 256 steps.
    const sim = prepareSimulation({
      model: supHopf,
      network: network({
        n: 4,
        weights: [0, 0.5, 0.3, 0, 0.4, 0, 0, 0.6, 0.2, 0.3, 0, 0.5, 0, 0.4, 0.3, 0],
        delays: [0, 3, 7, 0, 2, 0, 0, 5, 9, 1, 0, 4, 0, 6, 2, 0],
      }),
      duration: 0.06,
      dt: DT,
      seed: 9,
      params: { a: -0.02, G: 0.3, sigma: 0.02 },
      record: { observables: ["x"], period: 1 },
    });
    const ref = simulateGradient(sim, loss, { checkpointEvery: 600 });
    const gpu = await simulateGradientWebGPU(sim, loss, { checkpointEvery: 600 });
    expectLanesClose(ref, gpu, sim.nNodes, sim.model.paramNames, C_ROUND * U * sim.nSteps);
    // and the default checkpoint interval, the reference's own
    const gpuDefault = await simulateGradientWebGPU(sim, loss);
    expect(gpuDefault.checkpointEvery).toBe(simulateGradient(sim, loss).checkpointEvery);
    expectLanesClose(ref, gpuDefault, sim.nNodes, sim.model.paramNames, C_ROUND * U * sim.nSteps);
  });
});

describe.skipIf(WEBGPU_OPTED_OUT)("webgpu gradients: determinism, lanes, losses", () => {
  itHasAdapter();

  const base: SimulationOptions = {
    model: wilsonCowan,
    network: network({
      n: 5,
      weights: Array.from({ length: 25 }, (_, q) => (q % 6 === 0 ? 0 : 0.1 + (q % 5) * 0.1)),
      delays: Array.from({ length: 25 }, (_, q) => (q * 7) % 11),
    }),
    lanes: 3,
    duration: 0.02,
    dt: DT,
    seed: [5, 6, 7],
    noise: "independent",
    params: { k: [0.6, 0.9, 1.1], theta_E: [2.5, 2.8, 3.1], sigma_ou: 0.05 },
    record: { observables: ["rE", "F_E"], period: 0.5 },
  };

  it("the same seed gives the same gradient, bit for bit", async () => {
    const sim = prepareSimulation(base);
    const a = await simulateGradientWebGPU(sim, loss, { checkpointEvery: 23 });
    const b = await simulateGradientWebGPU(sim, loss, { checkpointEvery: 23 });
    expect(Array.from(b.paramGrad)).toEqual(Array.from(a.paramGrad));
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(b.recorded).toEqual(a.recorded);
    expect(a.peakBytes).toBeGreaterThan(0);
    expect(a.forwardMs).toBeGreaterThan(0);
    expect(a.backwardMs).toBeGreaterThan(0);
  });

  it("a lane's gradient is its own: lane 1 of three equals a one-lane run of lane 1, bit for bit", async () => {
    const three = await simulateGradientWebGPU(prepareSimulation(base), loss, { checkpointEvery: 23, webgpu: { lanesPerWorkgroup: 4 } });
    const one = await simulateGradientWebGPU(
      prepareSimulation({ ...base, lanes: 1, seed: 6, noise: [1], params: { k: 0.9, theta_E: 2.8, sigma_ou: 0.05 } }),
      loss,
      { checkpointEvery: 23, webgpu: { lanesPerWorkgroup: 4 } },
    );
    const per = 5 * three.paramGrad.length / 15;
    expect(Array.from(one.paramGrad)).toEqual(Array.from(three.paramGrad.subarray(per, 2 * per)));
    expect(one.values[0]).toBe(three.values[1]);
  });

  it("node slices with a barrier per step give the gradient of one invocation per lane", async () => {
    const sim = prepareSimulation(base);
    const a = await simulateGradientWebGPU(sim, loss, { checkpointEvery: 23, webgpu: { lanesPerWorkgroup: 2, nodeSlices: 1 } });
    const b = await simulateGradientWebGPU(sim, loss, { checkpointEvery: 23, webgpu: { lanesPerWorkgroup: 2, nodeSlices: 3 } });
    expect(Array.from(b.paramGrad)).toEqual(Array.from(a.paramGrad));
  });

  it("lanes in groups one after another give the same bits as all lanes at once (lane and batch losses)", async () => {
    const sim = prepareSimulation(base);
    const all = await simulateGradientWebGPU(sim, loss, { checkpointEvery: 23, webgpu: { lanesPerWorkgroup: 2 } });
    const grouped = await simulateGradientWebGPU(sim, loss, { checkpointEvery: 23, webgpu: { lanesPerWorkgroup: 2, lanesPerGroup: 2 } });
    expect(Array.from(grouped.paramGrad)).toEqual(Array.from(all.paramGrad));
    expect(grouped.recorded).toEqual(all.recorded);
    const batchOf = (f: LaneLoss): BatchLoss => ({
      batch: (recorded) => {
        const rs = recorded.map((rec, lane) => f(lane, rec));
        return { values: Float64Array.from(rs, (r) => r.value), grads: rs.map((r) => r.grad) };
      },
    });
    const batched = await simulateGradientWebGPU(sim, batchOf(loss), {
      checkpointEvery: 23,
      webgpu: { lanesPerWorkgroup: 2, lanesPerGroup: 1 },
    });
    expect(Array.from(batched.paramGrad)).toEqual(Array.from(all.paramGrad));
    expect(Array.from(batched.values)).toEqual(Array.from(all.values));
  });

  it("a batch loss (lanes averaged, as noise trials) matches the reference", async () => {
    const sim = prepareSimulation(base);
    const batch: BatchLoss = {
      batch(recorded) {
        let value = 0;
        const grads = recorded.map((rec, lane) => {
          const r = loss(lane, rec);
          value += r.value / recorded.length;
          for (const g of Object.values(r.grad)) for (let k = 0; k < g.length; k++) g[k] = g[k]! / recorded.length;
          return r.grad;
        });
        return { values: Float64Array.of(value), grads };
      },
    };
    const ref = simulateGradient(sim, batch, { checkpointEvery: 23 });
    const gpu = await simulateGradientWebGPU(sim, batch, { checkpointEvery: 23 });
    expect(gpu.values.length).toBe(1);
    expect(Math.abs(gpu.values[0]! - ref.values[0]!)).toBeLessThanOrEqual(C_ROUND * U * sim.nSteps * Math.abs(ref.values[0]!));
    const scale = Math.max(...Array.from(ref.paramGrad, Math.abs));
    for (let q = 0; q < ref.paramGrad.length; q++) {
      expect(Math.abs(gpu.paramGrad[q]! - ref.paramGrad[q]!)).toBeLessThanOrEqual(C_ROUND * U * sim.nSteps * scale);
    }
  });

  it("records what the reference records, within the f32 bound", async () => {
    const sim = prepareSimulation(base);
    const ref = simulateGradient(sim, loss);
    const gpu = await simulateGradientWebGPU(sim, loss);
    for (let l = 0; l < 3; l++) {
      for (const name of ["rE", "F_E"]) {
        const a = ref.recorded[l]![name]!, b = gpu.recorded[l]![name]!;
        expect(b.length).toBe(a.length);
        const scale = Math.max(...Array.from(a, Math.abs));
        for (let k = 0; k < a.length; k++) expect(Math.abs(b[k]! - a[k]!)).toBeLessThanOrEqual(C_ROUND * U * sim.nSteps * scale);
      }
    }
  });

  it("refuses checkpoints beyond the adapter's buffer size before running, naming checkpointEvery", async () => {
    // 10^6 steps checkpointed every step, each 4 nodes × a 1002-slot delay ring: ~16 GB.
    const sim = prepareSimulation({
      model: supHopf,
      network: { weights: [0, 1, 1, 0], lengths: [0, 100, 100, 0], speed: 1 },
      duration: 100,
      dt: DT,
      record: { observables: ["x"], period: 1000 },
    });
    await expect(simulateGradientWebGPU(sim, loss, { checkpointEvery: 1 })).rejects.toThrow(
      /checkpoints .*larger checkpointEvery.*maxBufferSize/,
    );
  });

  it("says which recorded observable a loss gradient lacks", async () => {
    const sim = prepareSimulation(base);
    const bad: LaneLoss = (_lane, rec) => ({ value: 0, grad: { rE: new Float64Array(rec.rE!.length) } });
    await expect(simulateGradientWebGPU(sim, bad)).rejects.toThrow(/gradient for 'F_E' of 40 × 5 values/);
  });
});

describe("WebGPU gradients through the public API", () => {
  itHasAdapter();
  it("valueAndGrad(problem, xs, { backend: 'webgpu' }) agrees with the float64 reference; a fit on webgpu takes its gradients there", async () => {
    const { defineProblem } = await import("../../src/fit/problem.ts");
    const { valueAndGrad } = await import("../../src/fit/gradients.ts");
    const { optimize } = await import("../../src/fit/run.ts");
    const { createOptimizer } = await import("../../src/optim/registry.ts");
    const n = 4;
    const weights = Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 0 : 0.3 + 0.1 * (k % 5)));
    const fcT = Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : 0.2 + 0.1 * (k % 3)));
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) fcT[j * n + i] = fcT[i * n + j]!;
    const p = defineProblem({
      model: "SupHopf",
      network: { weights, lengths: weights.map((w) => 10 * w), speed: 2 },
      free: [{ name: "G", bounds: [0, 2] }, { name: "a", bounds: [-1, 1] }],
      fixed: { sigma: 0.05 },
      target: { fc: fcT },
      gof: ["+fc_corr"],
      simulation: { duration: 0.1, dt: 0.1, tr: 0.002, signal: "x", seed: 4 },
    });
    const xs = [[0.4, -0.1], [0.8, 0.05]];
    const ref = await valueAndGrad(p, xs);
    const got = await valueAndGrad(p, xs, { backend: "webgpu" });
    expect(got.backend).toBe("webgpu");
    // 1000 float32 steps through Pearson: the bound of this file, 16·u·steps, relative.
    xs.forEach((_, c) => {
      const scale = Math.max(...Array.from(ref.grads[c]!, Math.abs));
      ref.grads[c]!.forEach((g, d) => expect(Math.abs(got.grads[c]![d]! - g)).toBeLessThan(16 * 2 ** -24 * 1000 * scale));
    });
    const o = createOptimizer("adam", { lower: p.lower, upper: p.upper, x0: xs[0]!, learningRate: 0.05, maxIterations: 1 });
    const res = await optimize(o, p, { saveBest: false, backend: "webgpu", allowSoftwareGpu: true });
    expect(res.backendInfo).toMatch(/webgpu \(float32\) with adjoint gradients/);
  });
});
