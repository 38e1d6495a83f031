// What the gradient benches share (bench/gradient.bench.ts, bench/gradient-webgpu.bench.ts):
// SupHopf's network, the TVB DK-84 connectome (../shared/data/tvb-dk84; a random 84-node network
// with 1–100 mm tracts when absent) at 3 mm/ms, and the loss, +fc_corr-like: −Pearson of the FC
// triangle of x with a fixed FC.
import { existsSync } from "node:fs";
import { loadArray } from "../src/io/load.ts";
import { type NetworkInput, normalizeMax } from "../src/batch/network.ts";
import { fcPairs } from "../src/stats/fc.ts";
import type { LaneLoss } from "../src/grad/backward.ts";
import { fcTrilWithVjp, pearsonWithGrad } from "../src/grad/losses.ts";

export async function dk84Network(): Promise<{ network: NetworkInput; source: string }> {
  const shared = process.env.BRAINFIT_SHARED ?? "../shared";
  const dk = `${shared}/data/tvb-dk84/connectivity.npz`;
  if (existsSync(dk)) {
    const w = await loadArray(`${dk}:weights`);
    const l = await loadArray(`${dk}:lengths`);
    return {
      network: {
        weights: normalizeMax(Float64Array.from(w.data as ArrayLike<number>)),
        lengths: Float64Array.from(l.data as ArrayLike<number>),
        speed: 3,
      },
      source: "TVB DK-84",
    };
  }
  const n = 84;
  let s = 1;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return {
    network: {
      weights: Float64Array.from({ length: n * n }, () => (r() < 0.3 ? r() : 0)),
      lengths: Float64Array.from({ length: n * n }, () => 1 + 99 * r()),
      speed: 3,
    },
    source: "random 84-node network",
  };
}

/** −Pearson(FC triangle of x, a fixed FC) and its gradient per recorded sample, for n nodes. */
export function fcLoss(n: number): LaneLoss {
  const pairs = fcPairs(n);
  const empFc = Float64Array.from({ length: pairs.length }, (_, k) => Math.sin(k));
  return (_lane, rec) => {
    const x = rec.x!, T = x.length / n;
    const data = new Float64Array(n * T);
    for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) data[i * T + t] = x[t * n + i]!;
    const fc = fcTrilWithVjp(data, n, T, pairs);
    const r = pearsonWithGrad(fc.tril, empFc);
    const g = fc.vjp(r.grad.map((v) => -v));
    const grad = new Float64Array(x.length);
    for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) grad[t * n + i] = g[i * T + t]!;
    return { value: -r.value, grad: { x: grad } };
  };
}
