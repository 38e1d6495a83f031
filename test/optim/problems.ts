// Standard test problems and a small driver for the optimizer tests.
import type { Optimizer } from "../../src/optim/types.ts";

export const sphere = (x: number[]) => x.reduce((a, v) => a + v * v, 0);
export const ellipsoid = (x: number[]) => {
  const n = x.length;
  return x.reduce((a, v, i) => a + Math.pow(1e6, n > 1 ? i / (n - 1) : 0) * v * v, 0);
};
export const rosenbrock = (x: number[]) => {
  let s = 0;
  for (let i = 0; i < x.length - 1; i++) s += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;
  return s;
};
export const rosenbrockGrad = (x: number[]) => {
  const g = new Array<number>(x.length).fill(0);
  for (let i = 0; i < x.length - 1; i++) {
    const t = x[i + 1] - x[i] * x[i];
    g[i] += -400 * x[i] * t - 2 * (1 - x[i]);
    g[i + 1] += 200 * t;
  }
  return g;
};
export const rastrigin = (x: number[]) => 10 * x.length + x.reduce((a, v) => a + v * v - 10 * Math.cos(2 * Math.PI * v), 0);
export const branin = (x: number[]) => {
  const [x1, x2] = x;
  const a = 1, b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, r = 6, s = 10, t = 1 / (8 * Math.PI);
  return a * (x2 - b * x1 * x1 + c * x1 - r) ** 2 + s * (1 - t) * Math.cos(x1) + s;
};
export const BRANIN_MIN = 0.397887357729739;
export const zdt1 = (x: number[]) => {
  const f1 = x[0];
  const g = 1 + (9 * x.slice(1).reduce((a, v) => a + v, 0)) / (x.length - 1);
  return [f1, g * (1 - Math.sqrt(f1 / g))];
};
export const zdt2 = (x: number[]) => {
  const f1 = x[0];
  const g = 1 + (9 * x.slice(1).reduce((a, v) => a + v, 0)) / (x.length - 1);
  return [f1, g * (1 - (f1 / g) ** 2)];
};

/** Run an optimizer on f until done or maxEvals; returns evaluations used to reach
 *  target (Infinity if never) and the final best cost. */
export function runSingle(
  opt: Optimizer,
  f: (x: number[]) => number,
  maxEvals: number,
  target = -Infinity,
  grad?: (x: number[]) => number[],
): { evalsToTarget: number; best: number; evals: number } {
  let evalsToTarget = Infinity;
  let evals = 0;
  while (!opt.done && evals < maxEvals) {
    const xs = opt.ask();
    if (xs.length === 0) break;
    const fs = xs.map(f);
    for (let k = 0; k < fs.length; k++) {
      evals++;
      if (fs[k] < target && evalsToTarget === Infinity) evalsToTarget = evals;
    }
    opt.tell(xs, fs, grad ? { grads: xs.map(grad) } : undefined);
    if (evalsToTarget !== Infinity) break;
  }
  return { evalsToTarget, best: opt.best?.cost ?? Infinity, evals };
}

export function medianOf(v: number[]): number {
  const s = v.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}
