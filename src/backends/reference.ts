// The float64 reference backend: defines what a simulation computes. The f32 backends
// (wasm, webgpu) follow the same step order exactly:
//   1. coupling c_i = Σ_j w_ij h_j(step − d_ij)  (difference form subtracts Σ_j w_ij h_i(step))
//   2. noise z = Philox normals for (seed, stream, node, step, channel)
//   3. Euler–Maruyama: x += dt f(x, c) + √dt g z
//      Heun:           x̃ = x + dt f(x, c) + √dt g z;  x += dt/2 (f(x, c) + f(x̃, c)) + √dt g z
//      (coupling and noise held over the step, diffusion taken at x, as TVB's HeunStochastic)
//   4. state limits (min/max) clamp after the predictor and after the step
//   5. slow states (spec.slow, e.g. BOLD) hold during 3.–4.; after every slowEvery-th step they
//      take one Euler step of slowDt from the new state: x_s += slowDt f_s(x_new, c, t + dt)
//   6. h(x) of the new states enters the delay ring for step + 1
// Recorded samples are taken after steps recordEvery, 2·recordEvery, …; derived quantities
// are evaluated on the new states with the coupling input of the step that produced them.
// The step's arithmetic (steps 1's difference term to 6's h) is codegen/step.ts's description,
// compiled to float64 JavaScript (or closures), driven by reference-stepper.ts (shared with the
// gradient's passes); this file only records and averages.
// Unlike the f32 backends, the reference integrates one lane at a time and so holds every
// recorded sample until the end (then emits chunks): it is for checking, not for long batches.
import { finishResult, type PreparedSimulation, RecordingSink, type SimulationResult } from "../batch/prepare.ts";
import { referenceStepper } from "./reference-stepper.ts";

/** Samples per streamed chunk: bounded memory whatever the duration. */
const CHUNK_SAMPLES = 256;

export function simulateReference(sim: PreparedSimulation): SimulationResult {
  const t0 = performance.now();
  const m = sim.model;
  const { lanes, nNodes: n, nSteps } = sim;
  const S = m.stateNames.length;
  const D = m.derived.length;
  const nObs = m.observables.length;
  const sink = new RecordingSink(sim);
  const recNames = sim.recordIdx.map((k) => m.observables[k]!);
  const averages: Record<string, Float64Array> = {};
  for (const k of sim.averageIdx) averages[m.observables[k]!] = new Float64Array(lanes * n);
  const needDerived = D > 0 && (sim.recordIdx.some((k) => k >= S) || sim.averageIdx.some((k) => k >= S));

  const stepper = referenceStepper(sim);
  const { x, dv } = stepper;
  const obs = new Float64Array(n * nObs);
  const sums = new Float64Array(n * nObs);
  const chunkLen = Math.min(CHUNK_SAMPLES, Math.max(sim.nSamples, 1));
  const chunkData = recNames.map(() => new Float32Array(lanes * chunkLen * n));

  const writeObs = (i: number) => {
    for (let s = 0; s < S; s++) obs[i * nObs + s] = x[i * S + s]!;
    for (let d = 0; d < D; d++) obs[i * nObs + S + d] = dv[i * D + d]!;
  };

  // Lanes are independent: integrate each lane in turn, buffering its samples by chunk.
  const perLaneSamples: Float32Array[][] = [];
  for (let lane = 0; lane < lanes; lane++) {
    stepper.initLane(lane);
    sums.fill(0);
    const samples = recNames.map(() => new Float32Array(sim.nSamples * n));
    let sample = 0;
    for (let step = 0; step < nSteps; step++) {
      stepper.advance(step, needDerived);
      if (sim.averageIdx.length) {
        for (let i = 0; i < n; i++) {
          writeObs(i);
          for (const k of sim.averageIdx) sums[i * nObs + k] += obs[i * nObs + k]!;
        }
      }
      if (recNames.length && (step + 1) % sim.recordEvery === 0 && sample < sim.nSamples) {
        for (let i = 0; i < n; i++) writeObs(i);
        sim.recordIdx.forEach((k, r) => {
          for (let i = 0; i < n; i++) samples[r]![sample * n + i] = obs[i * nObs + k]!;
        });
        sample++;
      }
    }
    for (const k of sim.averageIdx) {
      const dst = averages[m.observables[k]!]!;
      for (let i = 0; i < n; i++) dst[lane * n + i] = sums[i * nObs + k]! / nSteps;
    }
    perLaneSamples.push(samples);
  }
  // Emit recorded samples in chunks (all lanes per chunk), as the streaming backends do.
  for (let start = 0; start < sim.nSamples; start += chunkLen) {
    const count = Math.min(chunkLen, sim.nSamples - start);
    const data: Record<string, Float32Array> = {};
    recNames.forEach((name, r) => {
      const buf = chunkData[r]!.subarray(0, lanes * count * n);
      for (let l = 0; l < lanes; l++) buf.set(perLaneSamples[l]![r]!.subarray(start * n, (start + count) * n), l * count * n);
      data[name] = buf.slice();
    });
    sink.push({ start, count, data });
  }
  return finishResult(sim, "reference", "float64 TypeScript reference", sink, averages, t0);
}
