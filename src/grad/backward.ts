// Reverse-mode gradients of a float64 reference simulation (backends/reference.ts) with
// checkpointing. Per lane:
//   1. forward: the reference's own stepper (backends/reference-stepper.ts), recording in
//      float64, storing the state and the delay ring every K steps (a checkpoint);
//   2. the loss of the recorded samples and its vector–Jacobian product (grad/losses.ts);
//   3. backward, segment by segment from the last: restore the segment's checkpoint, recompute its
//      K steps keeping each node-step's inputs (state, coupling sums, normals) on a tape, then run
//      the step's adjoint (grad/adjoint.ts) backwards over the tape.
// Delays: the forward step s reads H_j(s − d_ij) (the coupled value written after step s−d−1; the
// whole history before step 1 is h(x_init)). The adjoint scatters w_ij·adj_cs_i to the adjoint
// of H_j(s − d_ij): a ring of adjoints, the forward ring read in reverse; adj_H(s + 1) is complete
// once every step reading it (s + 1 + d, d ≥ 0) has run backwards, i.e. when step s is reached.
// Noise: the recompute regenerates the normals with Philox (normals4), never stored beyond a
// segment. Memory per lane: checkpoints ⌈steps/K⌉ × (state + ring) plus a tape of K node-steps,
// so with the default K = √(steps · checkpoint / tape-step) it grows as √steps, not as steps.
import { describeStep, type StepDescription } from "../codegen/step.ts";
import type { Evaluator } from "../codegen/ts.ts";
import { referenceStepper } from "../backends/reference-stepper.ts";
import type { PreparedSimulation } from "../batch/prepare.ts";
import { initialCouplingAdjoint, stepAdjoint, stepAdjointLayout, type StepVariant } from "./adjoint.ts";
import { compileLetBlock, type LetFunction } from "./compile.ts";

/** Recorded samples of one lane: per observable, samples × nodes (float64). */
export type LaneRecording = Record<string, Float64Array>;

/** A loss of one lane's recording: its value and its gradient with respect to every recorded sample. */
export type LaneLoss = (lane: number, recorded: LaneRecording) => { value: number; grad: LaneRecording };

/**
 * A loss of all lanes' recordings together (e.g. a candidate's noise trials averaged): values
 * (any number of them) and the gradient of their sum with respect to every lane's samples. Every
 * lane's checkpoints are then held until the backward pass (memory × lanes).
 */
export interface BatchLoss {
  batch(recorded: LaneRecording[]): { values: Float64Array; grads: LaneRecording[] };
}

export interface BackwardOptions {
  /** Steps between checkpoints (default √(steps · checkpoint size / tape size per step)). */
  checkpointEvery?: number;
  evaluator?: Evaluator;
}

export interface GradientResult {
  /** Loss per lane (a BatchLoss: its values). */
  values: Float64Array;
  /** d loss / d parameter, [lane][node][param] as PreparedSimulation.params. */
  paramGrad: Float64Array;
  /** Recorded samples per lane (float64). */
  recorded: LaneRecording[];
  checkpointEvery: number;
  /** Bytes of checkpoints + tape + adjoint ring held at once (one lane at a time). */
  peakBytes: number;
  forwardMs: number;
  backwardMs: number;
}

/** Memory of checkpointing for a simulation: bytes per checkpoint and per tape step (float64). */
export function checkpointSizes(sim: PreparedSimulation): { checkpoint: number; tapeStep: number; defaultK: number } {
  const m = sim.model;
  const n = sim.nNodes, S = m.stateNames.length, K = m.coupling.length, NZ = m.noiseStates.length;
  const R = sim.network.maxDelay + 2;
  const checkpoint = 8 * n * (S + K * R);
  const tapeStep = 8 * n * (S + 2 * K + NZ);
  const defaultK = Math.max(1, Math.min(sim.nSteps, Math.round(Math.sqrt((sim.nSteps * checkpoint) / tapeStep))));
  return { checkpoint, tapeStep, defaultK };
}

interface Compiled {
  desc: StepDescription;
  variant: (v: StepVariant) => LetFunction;
  init: LetFunction;
  inputs: string[];
  wrt: string[];
}

const compiledCache = new WeakMap<object, Map<string, Compiled>>();

function compileAdjoint(sim: PreparedSimulation, evaluator: Evaluator): Compiled {
  let byKey = compiledCache.get(sim.model);
  if (!byKey) compiledCache.set(sim.model, byKey = new Map());
  const hit = byKey.get(evaluator);
  if (hit) return hit;
  const desc = describeStep(sim.model);
  const { inputs, wrt } = stepAdjointLayout(desc);
  const variants = new Map<string, LetFunction>();
  const m = sim.model;
  const initInputs = [
    ...m.stateNames.map((s) => `n_${s}`),
    ...m.paramNames.map((p) => `p_${p}`),
    ...m.couplingNames.map((c) => `ga_h_${c}`),
  ];
  const compiled: Compiled = {
    desc,
    inputs,
    wrt,
    variant: (v) => {
      const key = `${v.integrator}/${v.slowStep}/${v.derived}`;
      let f = variants.get(key);
      if (!f) variants.set(key, f = compileLetBlock(stepAdjoint(desc, v), inputs, evaluator));
      return f;
    },
    init: compileLetBlock(initialCouplingAdjoint(desc), initInputs, evaluator),
  };
  byKey.set(evaluator, compiled);
  return compiled;
}

/** Throws unless `grad` has samples × nodes values for every recorded observable. */
export function checkLossGrad(sim: PreparedSimulation, grad: LaneRecording): void {
  for (const k of sim.recordIdx) {
    const name = sim.model.observables[k]!;
    if (!grad[name] || grad[name]!.length !== sim.nSamples * sim.nNodes) {
      throw new Error(`gradient: the loss must return a gradient for '${name}' of ${sim.nSamples} × ${sim.nNodes} values`);
    }
  }
}

/**
 * The initial delay history's share of one lane's parameter gradient: every slot of the ring
 * starts at h(x_init, p), so the adjoints of reads before step 1 (aH0 [node][coupling]) reach the
 * parameters through h. Adds into gP [node][param] (float64, on the host for every backend).
 */
export function initialHistoryGrad(
  sim: PreparedSimulation,
  evaluator: Evaluator = "auto",
): (lane: number, aH0: ArrayLike<number>, gP: Float64Array) => void {
  const m = sim.model;
  const { nNodes: n, nParams: P } = sim;
  const S = m.stateNames.length, Kc = m.coupling.length;
  const adj = compileAdjoint(sim, evaluator);
  const inp = new Float64Array(S + P + Kc);
  const out = new Float64Array(P);
  return (lane, aH0, gP) => {
    if (!Kc) return;
    const pBase = lane * n * P;
    for (let i = 0; i < n; i++) {
      for (let q = 0; q < S; q++) inp[q] = m.spec.states[q]!.init;
      for (let q = 0; q < P; q++) inp[S + q] = sim.params[pBase + i * P + q]!;
      for (let k = 0; k < Kc; k++) inp[S + P + k] = aH0[i * Kc + k]!;
      adj.init(inp, out);
      for (let q = 0; q < P; q++) gP[i * P + q] += out[q]!;
    }
  };
}

/**
 * Loss and parameter gradient of every lane of a prepared simulation on the float64 reference.
 * `loss` sees one lane's recording (sim.record's observables, samples × nodes, float64).
 */
export function simulateGradient(sim: PreparedSimulation, loss: LaneLoss | BatchLoss, options: BackwardOptions = {}): GradientResult {
  const evaluator = options.evaluator ?? "auto";
  const m = sim.model;
  const { lanes, nNodes: n, nParams: P, dt, nSteps, network: net } = sim;
  const S = m.stateNames.length, Kc = m.coupling.length, NZ = m.noiseStates.length, D = m.derived.length;
  const R = net.maxDelay + 2;
  const heun = sim.integrator === "heun";
  const sizes = checkpointSizes(sim);
  const K = options.checkpointEvery ?? sizes.defaultK;
  if (!(Number.isInteger(K) && K >= 1)) throw new Error(`gradient: checkpointEvery must be an integer >= 1, got ${K}`);
  const nCkpt = Math.ceil(nSteps / K);
  const adj = compileAdjoint(sim, evaluator);
  const recNames = sim.recordIdx.map((k) => m.observables[k]!);
  const recDerived = sim.recordIdx.some((k) => k >= S);
  const times = Float64Array.of(0, 0, dt, 0.5 * dt, Math.sqrt(dt), sim.slowDt); // the adjoint's t, t1, dt, half_dt, sqrt_dt, slow_dt

  // Work arrays (one lane at a time): the reference's own stepper for the forward and recompute passes.
  const stepper = referenceStepper(sim, evaluator);
  const { x, ring, cs, hs, z, dv, wsum } = stepper;
  const batched = typeof loss !== "function";
  const newCheckpoints = () => ({ x: new Float64Array(nCkpt * n * S), ring: new Float64Array(nCkpt * Kc * R * n) });
  const shared = batched ? null : newCheckpoints();
  const tapeX = new Float64Array(K * n * S);
  const tapeCs = new Float64Array(K * n * Kc);
  const tapeHs = new Float64Array(K * n * Kc);
  const tapeZ = new Float64Array(K * n * NZ);
  const aX = new Float64Array(n * S);
  const aRing = new Float64Array(Kc * R * n);
  const aH0 = new Float64Array(n * Kc);
  const gaH = new Float64Array(n * Kc);
  const inp = new Float64Array(adj.inputs.length);
  const out = new Float64Array(adj.wrt.length);
  const at = (name: string) => adj.inputs.indexOf(name);
  const iX = at(`x_${m.stateNames[0]}`), iP = P ? at(`p_${m.paramNames[0]}`) : 0, iCs = Kc ? at(`cs_${m.couplingNames[0]}`) : 0;
  const iHs = Kc ? at(`hs_${m.couplingNames[0]}`) : 0, iW = at("wsum"), iZ = NZ ? at("z_0") : 0, iT = at("t");
  const iGn = at(`ga_n_${m.stateNames[0]}`),
    iGh = Kc ? at(`ga_h_${m.couplingNames[0]}`) : 0,
    iGd = D ? at(`ga_nd_${m.derived[0]!.name}`) : 0;
  const oP = S, oCs = S + P, oHs = S + P + Kc;
  const diffIdx = m.coupling.map((cp, k) => (cp.form === "difference" ? k : -1)).filter((k) => k >= 0);
  const initialHistory = initialHistoryGrad(sim, evaluator);

  let values: Float64Array = new Float64Array(lanes);
  const paramGrad = new Float64Array(lanes * n * P);
  const recorded: LaneRecording[] = [];
  let forwardMs = 0, backwardMs = 0;

  // One forward step of every node from x and ring (in place), keeping each node-step's inputs in
  // tape slot tapeAt when taping (tapeAt >= 0).
  let tapeAt = -1;
  const tapeNode = (i: number) => {
    const o = tapeAt * n + i;
    for (let q = 0; q < S; q++) tapeX[o * S + q] = x[i * S + q]!;
    for (let k = 0; k < Kc; k++) {
      tapeCs[o * Kc + k] = cs[k]!;
      tapeHs[o * Kc + k] = hs[k]!;
    }
    for (let q = 0; q < NZ; q++) tapeZ[o * NZ + q] = z[q]!;
  };
  const forwardStep = (s: number, tapeSlot: number, wantDerived: boolean) => {
    tapeAt = tapeSlot;
    stepper.advance(s, wantDerived, tapeSlot >= 0 ? tapeNode : undefined);
  };
  const isRecordStep = (s: number) => recNames.length > 0 && (s + 1) % sim.recordEvery === 0 && (s + 1) / sim.recordEvery <= sim.nSamples;

  // Forward of one lane from its initial state, checkpointing into ck.
  const forwardLane = (lane: number, ck: { x: Float64Array; ring: Float64Array }): LaneRecording => {
    const t0 = performance.now();
    const ckX = ck.x, ckRing = ck.ring;
    stepper.initLane(lane);
    const rec: LaneRecording = {};
    for (const name of recNames) rec[name] = new Float64Array(sim.nSamples * n);
    for (let s = 0; s < nSteps; s++) {
      if (s % K === 0) {
        const ck = s / K;
        ckX.set(x, ck * n * S);
        ckRing.set(ring, ck * Kc * R * n);
      }
      const record = isRecordStep(s);
      forwardStep(s, -1, record && recDerived);
      if (record) {
        const sample = (s + 1) / sim.recordEvery - 1;
        sim.recordIdx.forEach((k, r) => {
          const dst = rec[recNames[r]!]!;
          for (let i = 0; i < n; i++) dst[sample * n + i] = k < S ? x[i * S + k]! : dv[i * D + k - S]!;
        });
      }
    }
    forwardMs += performance.now() - t0;
    return rec;
  };

  // Backward of one lane, given the gradient of the loss with respect to its recording.
  const backwardLane = (lane: number, grad: LaneRecording, ck: { x: Float64Array; ring: Float64Array }) => {
    const t1 = performance.now();
    const ckX = ck.x, ckRing = ck.ring;
    const pBase = lane * n * P;
    stepper.useLane(lane);
    checkLossGrad(sim, grad);
    aX.fill(0);
    aRing.fill(0);
    aH0.fill(0);
    const gP = paramGrad.subarray(pBase, pBase + n * P);
    for (let ck = nCkpt - 1; ck >= 0; ck--) {
      const from = ck * K, to = Math.min(nSteps, from + K);
      x.set(ckX.subarray(ck * n * S, (ck + 1) * n * S));
      ring.set(ckRing.subarray(ck * Kc * R * n, (ck + 1) * Kc * R * n));
      for (let s = from; s < to; s++) forwardStep(s, s - from, false);
      for (let s = to - 1; s >= from; s--) {
        const record = isRecordStep(s);
        const sample = record ? (s + 1) / sim.recordEvery - 1 : -1;
        const slowStep = sim.slowEvery > 0 && (s + 1) % sim.slowEvery === 0;
        const withDerived = record && recDerived;
        const f = adj.variant({ integrator: heun ? "heun" : "euler", slowStep, derived: withDerived });
        // Adjoint of H(s + 1): complete now; take it out of the ring.
        const slot = (s + 1) % R;
        for (let k = 0; k < Kc; k++) {
          for (let i = 0; i < n; i++) {
            gaH[i * Kc + k] = aRing[(k * R + slot) * n + i]!;
            aRing[(k * R + slot) * n + i] = 0;
          }
        }
        times[0] = s * dt;
        times[1] = s * dt + dt;
        const tp = s - from;
        const nowS = s % R;
        for (let i = 0; i < n; i++) {
          const o = tp * n + i;
          for (let q = 0; q < S; q++) inp[iX + q] = tapeX[o * S + q]!;
          for (let q = 0; q < P; q++) inp[iP + q] = sim.params[pBase + i * P + q]!;
          for (let k = 0; k < Kc; k++) {
            inp[iCs + k] = tapeCs[o * Kc + k]!;
            inp[iHs + k] = tapeHs[o * Kc + k]!;
            inp[iGh + k] = gaH[i * Kc + k]!;
          }
          inp[iW] = wsum[i]!;
          for (let q = 0; q < NZ; q++) inp[iZ + q] = tapeZ[o * NZ + q]!;
          for (let q = 0; q < 6; q++) inp[iT + q] = times[q]!;
          for (let q = 0; q < S; q++) inp[iGn + q] = aX[i * S + q]!;
          if (D) { for (let q = 0; q < D; q++) inp[iGd + q] = 0; }
          if (record) {
            sim.recordIdx.forEach((k, r) => {
              const g = grad[recNames[r]!]![sample * n + i]!;
              if (k < S) inp[iGn + k] += g;
              else inp[iGd + k - S] += g;
            });
          }
          f(inp, out);
          for (let q = 0; q < S; q++) aX[i * S + q] = out[q]!;
          for (let q = 0; q < P; q++) gP[i * P + q] += out[oP + q]!;
          for (let k = 0; k < Kc; k++) {
            const a = out[oCs + k]!;
            if (a !== 0) {
              const base = k * R * n;
              for (let e = net.rowStart[i]!; e < net.rowStart[i + 1]!; e++) {
                const d = net.delay[e]!, j = net.source[e]!;
                if (s - d >= 1) {
                  let slot = nowS - d;
                  if (slot < 0) slot += R;
                  aRing[base + slot * n + j] += net.weight[e]! * a;
                } else aH0[j * Kc + k] += net.weight[e]! * a;
              }
            }
          }
          diffIdx.forEach((k, d) => {
            const a = out[oHs + d]!;
            if (s >= 1) aRing[(k * R + (s % R)) * n + i] += a;
            else aH0[i * Kc + k] += a;
          });
        }
      }
    }
    initialHistory(lane, aH0, gP);
    backwardMs += performance.now() - t1;
  };

  if (!batched) {
    for (let lane = 0; lane < lanes; lane++) {
      const rec = forwardLane(lane, shared!);
      recorded.push(rec);
      const { value, grad } = (loss as LaneLoss)(lane, rec);
      values[lane] = value;
      backwardLane(lane, grad, shared!);
    }
  } else {
    const cks = Array.from({ length: lanes }, newCheckpoints);
    for (let lane = 0; lane < lanes; lane++) recorded.push(forwardLane(lane, cks[lane]!));
    const r = (loss as BatchLoss).batch(recorded);
    if (r.grads.length !== lanes) {
      throw new Error(`gradient: the batch loss must return one gradient per lane (${lanes}), got ${r.grads.length}`);
    }
    values = r.values;
    for (let lane = 0; lane < lanes; lane++) backwardLane(lane, r.grads[lane]!, cks[lane]!);
  }
  const ckBytes = (batched ? lanes : 1) * (nCkpt * n * S + nCkpt * Kc * R * n);
  const peakBytes = 8 * (ckBytes + tapeX.length + tapeCs.length + tapeHs.length + tapeZ.length + aRing.length + ring.length);
  return { values, paramGrad, recorded, checkpointEvery: K, peakBytes, forwardMs, backwardMs };
}
