// One lane of the float64 reference through its steps, shared by the reference backend
// (backends/reference.ts) and the gradient's forward and recompute passes (grad/backward.ts):
// the initial delay history, then per step and node the delayed coupling sums, the node's own
// coupled value, the Philox normals and the compiled step (codegen/step.ts), and after all nodes
// the new coupled values into the ring slot step + 1 (never read during the step, R = maxDelay + 2).
import { describeStep } from "../codegen/step.ts";
import { compileStepFunction, compileTsFunctions, type Evaluator } from "../codegen/ts.ts";
import { normals4 } from "../noise/philox.ts";
import type { PreparedSimulation } from "../batch/prepare.ts";

export interface ReferenceStepper {
  /** States of the lane being integrated, [node][state]. */
  readonly x: Float64Array;
  /** Coupled values of the last R steps, [coupling][slot][node]. */
  readonly ring: Float64Array;
  /** Derived quantities of the new state, [node][derived] (after a step with wantDerived). */
  readonly dv: Float64Array;
  /** The current node's coupling sums, own coupled values (per coupling) and normals, while `beforeStep` runs. */
  readonly cs: Float64Array;
  readonly hs: Float64Array;
  readonly z: Float64Array;
  /** Σ_j w_ij per node. */
  readonly wsum: Float64Array;
  /** Ring slots R. */
  readonly R: number;
  /** Integrate lane `lane` from here on (its seed, stream and parameters); x and ring are kept. */
  useLane(lane: number): void;
  /** useLane, then the lane's initial states and their coupled values as the whole history. */
  initLane(lane: number): void;
  /**
   * Step s of the lane started by initLane. `beforeStep(i)` sees node i's inputs (x, cs, hs, z)
   * just before its step; derived quantities are computed only when wantDerived.
   */
  advance(s: number, wantDerived: boolean, beforeStep?: (i: number) => void): void;
}

/** A stepper over `sim`'s network and parameters (evaluator: how model functions run, see compileTsFunctions). */
export function referenceStepper(sim: PreparedSimulation, evaluator?: Evaluator): ReferenceStepper {
  const m = sim.model;
  const { nNodes: n, nParams: P, dt, network: net } = sim;
  const S = m.stateNames.length, K = m.coupling.length, NZ = m.noiseStates.length, D = m.derived.length;
  const R = net.maxDelay + 2;
  const fns = compileTsFunctions(m, evaluator);
  const step = compileStepFunction(describeStep(m), sim.integrator === "heun" ? "heun" : "euler", evaluator);
  const times = Float64Array.of(0, 0, dt, 0.5 * dt, Math.sqrt(dt), sim.slowDt);
  const x = new Float64Array(n * S);
  const ring = new Float64Array(K * R * n);
  const dv = new Float64Array(n * Math.max(D, 1));
  const c = new Float64Array(Math.max(K, 1));
  const cs = new Float64Array(Math.max(K, 1));
  const hs = new Float64Array(Math.max(K, 1));
  const hNew = new Float64Array(n * Math.max(K, 1));
  const z = new Float64Array(Math.max(Math.ceil(NZ / 4) * 4, 4));
  const z4 = new Float64Array(4);
  const words = new Uint32Array(4);
  // Row weight sums once, in edge order (the same sums as adding them up every step).
  const wsum = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let e = net.rowStart[i]!; e < net.rowStart[i + 1]!; e++) wsum[i] += net.weight[e]!;
  let seed = 0, stream = 0, pBase = 0;

  const useLane = (lane: number) => {
    seed = sim.seeds[lane]!;
    stream = sim.streams[lane]!;
    pBase = lane * n * P;
  };
  return {
    x,
    ring,
    dv,
    cs,
    hs,
    z,
    wsum,
    R,
    useLane,
    initLane(lane) {
      useLane(lane);
      for (let i = 0; i < n; i++) for (let s = 0; s < S; s++) x[i * S + s] = m.spec.states[s]!.init;
      for (let i = 0; i < n; i++) {
        fns.coupled(x, i * S, sim.params, pBase + i * P, c, 0);
        for (let k = 0; k < K; k++) for (let r = 0; r < R; r++) ring[(k * R + r) * n + i] = c[k]!;
      }
    },
    advance(s, wantDerived, beforeStep) {
      times[0] = s * dt;
      times[1] = s * dt + dt;
      const now = s % R;
      const slowStep = sim.slowEvery > 0 && (s + 1) % sim.slowEvery === 0;
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < K; k++) {
          const base = k * R * n;
          let acc = 0;
          for (let e = net.rowStart[i]!; e < net.rowStart[i + 1]!; e++) {
            let slot = now - net.delay[e]!; // (s − d) mod R, delay <= R − 2, without a division per edge
            if (slot < 0) slot += R;
            acc += net.weight[e]! * ring[base + slot * n + net.source[e]!]!;
          }
          cs[k] = acc;
          hs[k] = ring[base + now * n + i]!;
        }
        for (let b = 0; b < NZ; b += 4) {
          normals4(seed, stream, i, s, b >> 2, z4, words);
          for (let q = 0; q < 4 && b + q < NZ; q++) z[b + q] = z4[q]!;
        }
        beforeStep?.(i);
        step(x, i * S, sim.params, pBase + i * P, cs, hs, wsum[i]!, z, times, slowStep, hNew, i * K, wantDerived ? dv : null, i * D);
      }
      const next = (s + 1) % R;
      for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) ring[(k * R + next) * n + i] = hNew[i * K + k]!;
    },
  };
}
