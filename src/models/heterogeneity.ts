// Regional heterogeneity of model parameters: per-node values per lane, built from node groups
// (one free value per group) or from fixed maps (value_i = base · (1 + Σ_k w_k map_k,i)), the two
// schemes cuBNM's BNMProblem offers (node_grouping; maps with het_params). The output is always a
// lanes × nodes Float64Array, lane-major, which simulate() takes as a regional parameter.

export class HeterogeneityError extends Error {
  constructor(field: string, message: string) {
    super(`heterogeneity.${field}: ${message}`);
    this.name = "HeterogeneityError";
  }
}

export interface NodeGroups {
  /** Distinct labels in ascending order (cuBNM: np.unique(memberships)). */
  labels: number[];
  /** Group index (into labels) of every node. */
  membership: Int32Array;
}

/** Groups from one integer label per node (e.g. Yeo-7 network 0…6). */
export function nodeGroups(labels: ArrayLike<number>): NodeGroups {
  if (labels.length === 0) throw new HeterogeneityError("labels", "is empty; give one label per node");
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i])) throw new HeterogeneityError(`labels[${i}]`, `must be an integer group label, got ${labels[i]}`);
  }
  const distinct = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const index = new Map(distinct.map((l, k) => [l, k]));
  return { labels: distinct, membership: Int32Array.from(Array.from(labels), (l) => index.get(l)!) };
}

/** "left/right symmetric" grouping of cuBNM ('sym'): node i and node i + n/2 share a group. */
export function symmetricGroups(nNodes: number): NodeGroups {
  if (!(Number.isInteger(nNodes) && nNodes > 0 && nNodes % 2 === 0)) {
    throw new HeterogeneityError("nNodes", `must be a positive even number, got ${nNodes}`);
  }
  return nodeGroups(Array.from({ length: nNodes }, (_, i) => i % (nNodes / 2)));
}

/** Parse a text file with one label (or map value) per line. */
export function parseNodeValues(text: string): Float64Array {
  const vals = text.split(/\s+/).filter((t) => t.length > 0).map(Number);
  const bad = vals.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new HeterogeneityError("text", `value ${bad + 1} is not a number`);
  return Float64Array.from(vals);
}

/**
 * Expand one value per group to one per node. `values` holds lanes × groups numbers (lane-major;
 * with lanes = 1 just one per group). Returns lanes × nodes.
 */
export function expandGroups(groups: NodeGroups, values: ArrayLike<number>, lanes = 1): Float64Array {
  const g = groups.labels.length, n = groups.membership.length;
  if (values.length !== lanes * g) {
    throw new HeterogeneityError(
      "values",
      `expected lanes × groups = ${lanes} × ${g} = ${lanes * g} values (groups ${groups.labels.join(", ")}), got ${values.length}`,
    );
  }
  const out = new Float64Array(lanes * n);
  for (let l = 0; l < lanes; l++) for (let i = 0; i < n; i++) out[l * n + i] = values[l * g + groups.membership[i]!]!;
  return out;
}

export type MapNormalisation = "zscore" | "minmax" | "none";

/**
 * Normalise a map: z-score (population SD, as scipy.stats.zscore) or min–max to [0, 1]. cuBNM
 * uses maps as given and ships both kinds (its *_zscore.txt and *_minmax.txt files); the maps in
 * ../shared/data/hcp-schaefer100/maps are already z-scored.
 */
export function normaliseMap(map: ArrayLike<number>, how: MapNormalisation): Float64Array {
  const x = Float64Array.from(map);
  if (how === "none") return x;
  let lo = Infinity, hi = -Infinity, m = 0;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    m += v;
  }
  m /= x.length;
  if (how === "minmax") {
    if (!(hi > lo)) throw new HeterogeneityError("map", "is constant; min–max normalisation needs at least two distinct values");
    return x.map((v) => (v - lo) / (hi - lo));
  }
  let ss = 0;
  for (const v of x) ss += (v - m) * (v - m);
  const sd = Math.sqrt(ss / x.length);
  if (!(sd > 0)) throw new HeterogeneityError("map", "is constant; z-scoring needs a non-zero spread");
  return x.map((v) => (v - m) / sd);
}

/**
 * cuBNM's 'auto' coefficient range for a map: for maps with both signs (z-scored) the range of w
 * that keeps 1 + w·map positive, [ceil(−1/max, 0.1), floor(−1/min, 0.1)]; otherwise [0, 1].
 */
export function autoCoefRange(map: ArrayLike<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    lo = Math.min(lo, map[i]!);
    hi = Math.max(hi, map[i]!);
  }
  if (lo < 0 && hi > 0) {
    const r = (v: number) => Math.round(v * 1e9) / 1e9; // keep 0.3 from becoming 0.30000000000000004 before ceil/floor
    return [Math.ceil(r(-1 / hi / 0.1)) * 0.1, Math.floor(r(-1 / lo / 0.1)) * 0.1];
  }
  return [0, 1];
}

export interface MapHeterogeneityOptions {
  /** Base value: one for all lanes or one per lane. */
  base: number | ArrayLike<number>;
  /** k maps, each one value per node. */
  maps: ArrayLike<number>[];
  /** Coefficients w, lanes × k (lane-major); lanes inferred from its length. */
  coefs: ArrayLike<number>;
  /**
   * What to do where a value falls below `floor` (default 0.001):
   *  - "shift" (default, cuBNM): add the same constant to every node of that lane so its minimum is `floor`;
   *  - "clip": raise only those nodes to `floor`;
   *  - "error": throw.
   * Lanes that were changed are reported in `adjusted`.
   */
  negative?: "shift" | "clip" | "error";
  floor?: number;
}

export interface MapHeterogeneityResult {
  /** lanes × nodes. */
  values: Float64Array;
  lanes: number;
  /** Per lane: true where values were shifted or clipped. */
  adjusted: boolean[];
}

/** value_i = base · (1 + Σ_k w_k map_k,i) per lane (cuBNM BNMProblem._set_sim_params). */
export function mapHeterogeneity(opts: MapHeterogeneityOptions): MapHeterogeneityResult {
  const k = opts.maps.length;
  if (k === 0) throw new HeterogeneityError("maps", "give at least one map");
  const n = opts.maps[0]!.length;
  opts.maps.forEach((m, j) => {
    if (m.length !== n) throw new HeterogeneityError(`maps[${j}]`, `has ${m.length} values; all maps need one per node (${n})`);
  });
  if (opts.coefs.length % k !== 0 || opts.coefs.length === 0) {
    throw new HeterogeneityError("coefs", `needs lanes × maps values (a multiple of ${k}), got ${opts.coefs.length}`);
  }
  const lanes = opts.coefs.length / k;
  const base = typeof opts.base === "number" ? new Array<number>(lanes).fill(opts.base) : Array.from(opts.base);
  if (base.length !== lanes) throw new HeterogeneityError("base", `needs 1 or lanes (${lanes}) values, got ${base.length}`);
  const floor = opts.floor ?? 0.001;
  const mode = opts.negative ?? "shift";
  const values = new Float64Array(lanes * n);
  const adjusted = new Array<boolean>(lanes).fill(false);
  for (let l = 0; l < lanes; l++) {
    let min = Infinity;
    for (let i = 0; i < n; i++) {
      let s = 1;
      for (let j = 0; j < k; j++) s += opts.coefs[l * k + j]! * opts.maps[j]![i]!;
      const v = base[l]! * s;
      if (!Number.isFinite(v)) {
        throw new HeterogeneityError("coefs", `lane ${l}, node ${i}: value is ${v}; maps and coefficients must be finite`);
      }
      values[l * n + i] = v;
      min = Math.min(min, v);
    }
    if (min < floor) {
      if (mode === "error") {
        throw new HeterogeneityError(
          "coefs",
          `lane ${l}: a node's value is ${min} < ${floor}; shrink the coefficients (see autoCoefRange) or use negative: "shift" | "clip"`,
        );
      }
      adjusted[l] = true;
      for (let i = 0; i < n; i++) {
        const j = l * n + i;
        values[j] = mode === "shift" ? values[j]! - min + floor : Math.max(values[j]!, floor);
      }
    }
  }
  return { values, lanes, adjusted };
}
