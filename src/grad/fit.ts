// Gradients for fits: which runs get told gradients (Adam; L-BFGS-B with gradient "supplied"),
// from where ("adjoint": valueAndGrad on the float64 reference; "finite-difference": central
// differences from 2·dim extra simulations per candidate, batched with the generation), and the
// fallback from adjoint to finite differences when a problem is not differentiable.
import type { EvalRequest, EvalResult, EvaluateOptions, EvaluationBatch } from "../fit/evaluate.ts";
import type { FitProblem } from "../fit/problem.ts";
import type { Optimizer } from "../optim/types.ts";
import { valueAndGrad, whyNotDifferentiable, type ProblemGradientOptions } from "./value-and-grad.ts";

export type GradientMode = "adjoint" | "finite-difference";

const chosen = new WeakMap<Optimizer, GradientMode>();

/** Record the gradient source a fit config asked for (optimizer.gradient). */
export function setGradientMode(o: Optimizer, mode: GradientMode): void {
  chosen.set(o, mode);
}

/** Whether the optimizer must be told a gradient with every cost. */
export function needsGradients(o: Optimizer): boolean {
  if (o.type === "adam") return true;
  const opts = (o as unknown as { options?: { gradient?: string } }).options;
  return o.type === "lbfgsb" && opts?.gradient === "supplied";
}

/** The gradient source a run gets, and a line saying which and why. */
export function resolveGradient(problem: FitProblem, requested: GradientMode): { mode: GradientMode; line: string } {
  if (requested === "finite-difference") return { mode: requested, line: `gradients by central finite differences (2·${problem.dim} extra simulations per candidate), as configured` };
  const why = whyNotDifferentiable(problem);
  if (why) return { mode: "finite-difference", line: `gradients by central finite differences: the problem is not differentiable (${why})` };
  return { mode: "adjoint", line: `gradients by the adjoint (reverse mode through the float64 reference simulation, ${problem.dim} parameters per gradient)` };
}

export function gradientModeOf(o: Optimizer, fallback: GradientMode = "adjoint"): GradientMode {
  return chosen.get(o) ?? fallback;
}

/** Relative step of central differences (as L-BFGS-B's default fdStep), within the bounds. */
const FD_STEP = 1e-6;

/**
 * Evaluate one generation: requests with mode null as evaluate() does; "finite-difference" ones
 * with their 2·dim neighbours in the same evaluate() call; "adjoint" ones by valueAndGrad, grouped
 * by problem. Returns results in request order and a gradient per request (undefined for mode null).
 */
export async function evaluateWithGradients(
  reqs: readonly EvalRequest[],
  modes: readonly (GradientMode | null)[],
  evaluate: (reqs: readonly EvalRequest[], extra: { from: number }[]) => Promise<EvaluationBatch>,
  gradientOptions: ProblemGradientOptions = {},
): Promise<{ batch: EvaluationBatch; grads: (number[] | undefined)[] }> {
  const plain: EvalRequest[] = [];
  const origin: { from: number }[] = [];
  const fdPlan: { req: number; start: number; steps: { k: number; lo: number; hi: number; h: number }[] }[] = [];
  reqs.forEach((r, i) => {
    if (modes[i] === "adjoint") return;
    plain.push(r);
    origin.push({ from: i });
    if (modes[i] === "finite-difference") {
      const p = r.problem, x = Array.from(r.x);
      const start = plain.length;
      const steps = p.dims.map((d, k) => {
        const h = FD_STEP * Math.max(1, Math.abs(x[k]!));
        const hi = Math.min(d.upper, x[k]! + h), lo = Math.max(d.lower, x[k]! - h);
        for (const v of [hi, lo]) {
          const y = x.slice();
          y[k] = v;
          plain.push({ problem: p, x: y });
          origin.push({ from: i });
        }
        return { k, lo, hi, h };
      });
      fdPlan.push({ req: i, start, steps });
    }
  });
  const results = new Array<EvalResult>(reqs.length);
  const grads = new Array<number[] | undefined>(reqs.length);
  let batch: EvaluationBatch = { results: [], simulateCalls: 0, backendInfo: "", simulateMs: 0, ficSimulations: 0 };
  if (plain.length) {
    batch = await evaluate(plain, origin);
    plain.forEach((_, j) => {
      const i = origin[j]!.from;
      if (results[i] === undefined && plain[j] === reqs[i]) results[i] = batch.results[j]!;
    });
    for (const f of fdPlan) {
      grads[f.req] = f.steps.map((s, d) => {
        const up = batch.results[f.start + 2 * d]!.totalCost, dn = batch.results[f.start + 2 * d + 1]!.totalCost;
        return s.hi > s.lo ? (up - dn) / (s.hi - s.lo) : 0;
      });
    }
  }
  // Adjoint: one valueAndGrad per problem, its candidates as lanes.
  const byProblem = new Map<FitProblem, number[]>();
  reqs.forEach((r, i) => {
    if (modes[i] !== "adjoint") return;
    const g = byProblem.get(r.problem);
    if (g) g.push(i);
    else byProblem.set(r.problem, [i]);
  });
  const infos = batch.backendInfo ? [batch.backendInfo] : [];
  let simulateMs = batch.simulateMs;
  for (const [p, idx] of byProblem) {
    const t0 = performance.now();
    const vg = valueAndGrad(p, idx.map((i) => reqs[i]!.x), gradientOptions);
    simulateMs += performance.now() - t0;
    idx.forEach((i, l) => {
      const cost = vg.costs[l]!;
      const ok = Number.isFinite(cost) && vg.grads[l]!.every(Number.isFinite);
      results[i] = ok
        ? { cost, totalCost: cost, gof: -cost, terms: vg.terms[l]!, penalties: {}, status: "ok" }
        : { cost: p.divergedCost, totalCost: p.divergedCost, gof: NaN, terms: vg.terms[l] ?? {}, penalties: {}, status: "diverged" };
      grads[i] = Array.from(vg.grads[l]!, (v) => (Number.isFinite(v) ? v : NaN));
    });
    infos.push("float64 reference with adjoint gradients");
  }
  return {
    batch: { results, simulateCalls: batch.simulateCalls + byProblem.size, backendInfo: [...new Set(infos)].join("; "), simulateMs, ficSimulations: batch.ficSimulations },
    grads,
  };
}

export type { EvaluateOptions };
