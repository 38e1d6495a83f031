// Settings that cannot work, caught before the first simulation: an integration step far off the
// model's own time scales, and a generation that cannot fit in memory. Each refusal gives the
// numbers and the fix.
import { compileTsFunctions } from "../codegen/ts.ts";
import type { CompiledModel } from "../models/spec.ts";
import { FitConfigError } from "../schema/validate.ts";

/** Most integration steps one simulation may take (1e9 × nodes is hours per candidate even on a GPU). */
export const MAX_STEPS_PER_SIMULATION = 1e9;

/**
 * Fastest time scale of the model's fast states, in ms: 1 / spectral radius of the drift's
 * Jacobian at the initial state with default parameters and no coupling (central differences;
 * spectral radius by Gelfand's formula ‖J^16‖^(1/16), which also sees complex eigenvalues).
 * Undefined when the Jacobian is zero or not finite there.
 */
export function fastestTimeScaleMs(model: CompiledModel): number | undefined {
  const S = model.stateNames.length;
  const fast = model.stateNames.map((_, i) => i).filter((i) => !model.slowStates.includes(i));
  if (fast.length === 0) return undefined;
  const fns = compileTsFunctions(model);
  const x = Float64Array.from(model.spec.states.map((s) => s.init));
  const p = Float64Array.from(model.paramNames.map((name) => model.spec.parameters.find((q) => q.name === name)?.default ?? 0));
  const c = new Float64Array(Math.max(1, model.couplingNames.length));
  const f = new Float64Array(S);
  const g = new Float64Array(Math.max(1, model.noiseStates.length));
  const drift = (xs: Float64Array): Float64Array => {
    fns.eval(xs, 0, p, 0, c, 0, f, 0, g, 0, null, 0);
    return Float64Array.from(fast.map((i) => f[i]!));
  };
  const m = fast.length;
  const J = new Float64Array(m * m);
  for (let b = 0; b < m; b++) {
    const i = fast[b]!;
    const h = 1e-6 * Math.max(1, Math.abs(x[i]!));
    const xp = Float64Array.from(x), xm = Float64Array.from(x);
    xp[i] = x[i]! + h;
    xm[i] = x[i]! - h;
    const fp = drift(xp), fm = drift(xm);
    for (let a = 0; a < m; a++) J[a * m + b] = (fp[a]! - fm[a]!) / (2 * h);
  }
  if (!J.every(Number.isFinite)) return undefined;
  // Gelfand: rho = lim ‖J^k‖^(1/k); square four times (k = 16), rescaling to avoid overflow.
  let A = Float64Array.from(J);
  let logScale = 0;
  for (let s = 0; s < 4; s++) {
    const B = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let k = 0; k < m; k++) for (let b = 0; b < m; b++) B[a * m + b]! += A[a * m + k]! * A[k * m + b]!;
    let norm = 0;
    for (const v of B) norm = Math.max(norm, Math.abs(v));
    if (norm === 0) return undefined;
    A = B.map((v) => v / norm);
    logScale = 2 * logScale + Math.log(norm);
  }
  const rho = Math.exp(logScale / 16);
  return rho > 0 && Number.isFinite(rho) ? 1 / rho : undefined;
}

/**
 * Refuses an integration step the model cannot use: above twice its fastest time scale (explicit
 * Euler and Heun diverge there), or so small that one simulation takes more than
 * MAX_STEPS_PER_SIMULATION steps.
 */
export function checkIntegrationStep(model: CompiledModel, dtMs: number, durationS: number): void {
  const steps = (durationS * 1000) / dtMs;
  const tau = fastestTimeScaleMs(model);
  const advice = tau !== undefined
    ? `; ${model.name}'s fastest time scale is ${fmt(tau)} ms, so dt ≈ ${fmt(tau / 10)} ms (a tenth of it) resolves it`
    : "";
  if (!(steps <= MAX_STEPS_PER_SIMULATION)) {
    throw new FitConfigError(
      "simulation.dt",
      `${dtMs} ms makes ${fmt(steps)} integration steps per simulation (duration ${durationS} s), more than ${
        fmt(MAX_STEPS_PER_SIMULATION)
      }${advice}`,
    );
  }
  if (tau !== undefined && dtMs > 2 * tau) {
    throw new FitConfigError(
      "simulation.dt",
      `${dtMs} ms is more than twice the model's fastest time scale (${
        fmt(tau)
      } ms at its initial state), where Euler and Heun steps diverge${advice}`,
    );
  }
}

/** What one generation of candidates costs, estimated from the problem's sizes. */
export interface GenerationFootprint {
  candidates: number;
  /** Lower bound on the bytes the candidates' simulations hold at once (states, delay-free). */
  bytes: number;
  bytesPerCandidate: number;
  /** Node-steps (nodes × integration steps × trials) of the generation. */
  nodeSteps: number;
}

export function generationFootprint(
  p: { nNodes: number; nSamples: number; duration: number; dt: number; trials: number; model: CompiledModel },
  candidates: number,
  dim: number,
): GenerationFootprint {
  const n = p.nNodes;
  const states = p.model.stateNames.length;
  // recorded signal (float32 per node and sample), states + parameters + FC per candidate, the candidate itself
  const bytesPerCandidate = 4 * n * p.nSamples * p.trials + 8 * n * (states + p.model.paramNames.length) + 8 * n * n + 8 * dim + 64;
  const steps = (p.duration * 1000) / p.dt;
  return { candidates, bytes: candidates * bytesPerCandidate, bytesPerCandidate, nodeSteps: candidates * n * steps * p.trials };
}

/** Node-steps per second of one CPU core with the WASM SIMD integrator (rWW + BOLD, bench/RESULTS.md), for time estimates. */
export const WASM_NODE_STEPS_PER_CORE_S = 2e7;

/** Default memory a generation may use: 4 GiB (WebGPU's usual maximum buffer binding is well below). */
export const DEFAULT_GENERATION_BYTES = 4 * 2 ** 30;

export function checkGeneration(fp: GenerationFootprint, field: string, budgetBytes = DEFAULT_GENERATION_BYTES): void {
  if (fp.bytes <= budgetBytes) return;
  const fit = Math.max(1, Math.floor(budgetBytes / fp.bytesPerCandidate));
  throw new FitConfigError(
    field,
    `${fmt(fp.candidates)} candidates per generation need at least ${fmtBytes(fp.bytes)} (${fmtBytes(fp.bytesPerCandidate)} each) and ${
      fmt(fp.nodeSteps)
    } node-steps (≈ ${fmtDuration(fp.nodeSteps / WASM_NODE_STEPS_PER_CORE_S)} per generation on one CPU core), above the ${
      fmtBytes(budgetBytes)
    } a generation may use; use at most ${fmt(fit)} (or leave it unset for the optimizer's default)`,
  );
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e6 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}

function fmtBytes(b: number): string {
  return b >= 2 ** 30
    ? `${(b / 2 ** 30).toFixed(1)} GiB`
    : b >= 2 ** 20
    ? `${(b / 2 ** 20).toFixed(1)} MiB`
    : `${(b / 1024).toFixed(1)} KiB`;
}

function fmtDuration(s: number): string {
  return s >= 86400 ? `${fmt(s / 86400)} days` : s >= 3600 ? `${fmt(s / 3600)} h` : s >= 60 ? `${fmt(s / 60)} min` : `${fmt(s)} s`;
}
