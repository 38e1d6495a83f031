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
// compiled to float64 JavaScript (or closures); this file only moves data in and out.
// Unlike the f32 backends, the reference integrates one lane at a time and so holds every
// recorded sample until the end (then emits chunks): it is for checking, not for long batches.
import { describeStep } from "../codegen/step.ts";
import { compileStepFunction, compileTsFunctions } from "../codegen/ts.ts";
import { normals4 } from "../noise/philox.ts";
import { finishResult, type PreparedSimulation, RecordingSink, type SimulationResult } from "../batch/prepare.ts";

/** Samples per streamed chunk: bounded memory whatever the duration. */
const CHUNK_SAMPLES = 256;

export function simulateReference(sim: PreparedSimulation): SimulationResult {
  const t0 = performance.now();
  const m = sim.model;
  const fns = compileTsFunctions(m);
  const { lanes, nNodes: n, nParams: P, dt, nSteps, network: net } = sim;
  const S = m.stateNames.length;
  const K = m.coupling.length;
  const NZ = m.noiseStates.length;
  const D = m.derived.length;
  const R = net.maxDelay + 2;
  const sqrtDt = Math.sqrt(dt);
  const heun = sim.integrator === "heun";
  const nObs = m.observables.length;
  const sink = new RecordingSink(sim);
  const recNames = sim.recordIdx.map((k) => m.observables[k]!);
  const averages: Record<string, Float64Array> = {};
  for (const k of sim.averageIdx) averages[m.observables[k]!] = new Float64Array(lanes * n);
  const needDerived = D > 0 && (sim.recordIdx.some((k) => k >= S) || sim.averageIdx.some((k) => k >= S));

  const step = compileStepFunction(describeStep(m), heun ? "heun" : "euler");
  const times = Float64Array.of(0, 0, dt, 0.5 * dt, sqrtDt, sim.slowDt);
  const x = new Float64Array(n * S);
  const z = new Float64Array(Math.ceil(NZ / 4) * 4);
  const z4 = new Float64Array(4);
  const words = new Uint32Array(4);
  const c = new Float64Array(Math.max(K, 1));
  const cs = new Float64Array(Math.max(K, 1));
  const hs = new Float64Array(Math.max(K, 1));
  const hNew = new Float64Array(n * Math.max(K, 1));
  const ring = new Float64Array(K * R * n);
  const dv = new Float64Array(n * Math.max(D, 1));
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
    const seed = sim.seeds[lane]!, stream = sim.streams[lane]!;
    const pBase = lane * n * P;
    for (let i = 0; i < n; i++) for (let s = 0; s < S; s++) x[i * S + s] = m.spec.states[s]!.init;
    for (let i = 0; i < n; i++) {
      fns.coupled(x, i * S, sim.params, pBase + i * P, c, 0);
      for (let k = 0; k < K; k++) for (let r = 0; r < R; r++) ring[(k * R + r) * n + i] = c[k]!;
    }
    sums.fill(0);
    const samples = recNames.map(() => new Float32Array(sim.nSamples * n));
    let sample = 0;
    for (let step_ = 0; step_ < nSteps; step_++) {
      times[0] = step_ * dt;
      times[1] = step_ * dt + dt;
      const now = step_ % R;
      const slowStep = sim.slowEvery > 0 && (step_ + 1) % sim.slowEvery === 0;
      for (let i = 0; i < n; i++) {
        let wsum = 0;
        for (let k = 0; k < K; k++) {
          const base = k * R * n;
          let acc = 0;
          wsum = 0;
          for (let e = net.rowStart[i]!; e < net.rowStart[i + 1]!; e++) {
            let slot = now - net.delay[e]!; // (step − d) mod R, delay <= R - 2, without a division per edge
            if (slot < 0) slot += R;
            acc += net.weight[e]! * ring[base + slot * n + net.source[e]!]!;
            wsum += net.weight[e]!;
          }
          cs[k] = acc;
          hs[k] = ring[base + now * n + i]!;
        }
        for (let b = 0; b < NZ; b += 4) {
          normals4(seed, stream, i, step_, b >> 2, z4, words);
          for (let q = 0; q < 4 && b + q < NZ; q++) z[b + q] = z4[q]!;
        }
        step(x, i * S, sim.params, pBase + i * P, cs, hs, wsum, z, times, slowStep, hNew, i * K, needDerived ? dv : null, i * D);
      }
      const next = (step_ + 1) % R;
      for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) ring[(k * R + next) * n + i] = hNew[i * K + k]!;
      if (sim.averageIdx.length) {
        for (let i = 0; i < n; i++) {
          writeObs(i);
          for (const k of sim.averageIdx) sums[i * nObs + k] += obs[i * nObs + k]!;
        }
      }
      if (recNames.length && (step_ + 1) % sim.recordEvery === 0 && sample < sim.nSamples) {
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
