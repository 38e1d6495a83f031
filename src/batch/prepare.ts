// A simulation request as the user writes it, and its checked, normalised form that every
// backend consumes (PreparedSimulation). All validation happens here, once.
import { type CompiledModel, compileModel, type ModelSpec } from "../models/spec.ts";
import { buildNetwork, type Network, type NetworkInput } from "./network.ts";

/**
 * Where a simulation runs: "webgpu", "wasm" (WASM SIMD), "reference" (float64 TypeScript), or
 * "auto" (a hardware GPU, else WASM SIMD, else the reference; the result says which and why).
 *
 * @example
 * ```ts
 * import type { BackendName } from "brainfit/sim";
 * const backend: BackendName = "wasm";
 * ```
 */
export type BackendName = "auto" | "webgpu" | "wasm" | "reference";
export type Integrator = "euler" | "heun";

/**
 * What to simulate: the model, the network, how many simulations at once (lanes) with which
 * parameters (a number for all, or one per lane, or per lane and node), duration (s), dt (ms),
 * noise seeds, and what to record or average.
 *
 * @example
 * ```ts
 * import type { SimulationOptions } from "brainfit/sim";
 * import { supHopf } from "brainfit/models";
 * const opts: SimulationOptions = {
 *   model: supHopf,
 *   network: { weights: [0, 1, 1, 0] },
 *   lanes: 3,
 *   params: { G: [0.1, 0.2, 0.3], a: -0.05 },
 *   duration: 10, // s
 *   dt: 0.1, // ms
 *   seed: 1,
 *   record: { observables: ["x"], period: 10 }, // ms
 * };
 * ```
 */
export interface SimulationOptions {
  model: ModelSpec | CompiledModel;
  network: NetworkInput;
  /** Number of simulations run together (default 1). */
  lanes?: number;
  /**
   * Parameter values. Each entry is a number (all lanes, all nodes), an array of one value
   * per lane, or (regional parameters only) lanes × nodes values, lane-major. Unset → default.
   */
  params?: Record<string, number | ArrayLike<number>>;
  /** Integration step in ms (default 0.1). */
  dt?: number;
  /** Simulated time in s. */
  duration: number;
  integrator?: Integrator;
  /** Noise seed: one for all lanes, or one per lane (default 0). */
  seed?: number | ArrayLike<number>;
  /**
   * Noise stream per lane. "shared" (default): every lane draws the same noise (common random
   * numbers, as cuBNM shares one realisation across candidates). "independent": lane k uses
   * stream k. Or explicit stream ids, one per lane.
   */
  noise?: "shared" | "independent" | ArrayLike<number>;
  /** Observables (states or derived) sampled every `period` ms. */
  record?: { observables: string[]; period: number };
  /**
   * Step in ms of the model's slow states (spec.slow: e.g. Balloon–Windkessel BOLD, cuBNM's
   * bw_dt), a whole multiple of dt. Default: the spec's slow.dt.
   */
  slowDt?: number;
  /** Observables whose per-node time average is returned. */
  averages?: string[];
  /** Receives recorded samples as they are produced; with keepRecorded: false nothing is held. */
  onChunk?: (chunk: RecordedChunk) => void;
  keepRecorded?: boolean;
}

/**
 * One streamed piece of the recorded observables (`onChunk`): samples [start, start + count) of
 * every lane, each observable (lanes × count × nodes, float32).
 *
 * @example
 * ```ts
 * import { simulate, type RecordedChunk } from "brainfit/sim";
 * import { supHopf } from "brainfit/models";
 * let samples = 0;
 * await simulate({
 *   model: supHopf, network: { weights: [0, 1, 1, 0] }, duration: 60,
 *   record: { observables: ["x"], period: 10 }, keepRecorded: false,
 *   onChunk: (chunk: RecordedChunk) => { samples += chunk.count; },
 * });
 * ```
 */
export interface RecordedChunk {
  /** Index of the first sample in this chunk. */
  start: number;
  count: number;
  /** Per observable: lanes × count × nodes, lane-major. */
  data: Record<string, Float32Array>;
}

export interface PreparedSimulation {
  model: CompiledModel;
  network: Network;
  lanes: number;
  nNodes: number;
  nParams: number;
  /** Parameter values, [lane][node][param]. */
  params: Float64Array;
  seeds: Uint32Array;
  streams: Uint32Array;
  dt: number;
  nSteps: number;
  integrator: Integrator;
  /** Indices into model.observables. */
  recordIdx: number[];
  recordEvery: number;
  nSamples: number;
  averageIdx: number[];
  /** Slow states take one Euler step of slowDt ms after every slowEvery-th step (0: no slow states). */
  slowEvery: number;
  slowDt: number;
  onChunk?: (chunk: RecordedChunk) => void;
  keepRecorded: boolean;
}

/**
 * What a simulation returns: the recorded observables (lanes × samples × nodes, float32), the
 * per-node averages (lanes × nodes, float64), the sample times, and which backend ran and how fast.
 *
 * @example
 * ```ts
 * import { simulate, type SimulationResult } from "brainfit/sim";
 * import { supHopf } from "brainfit/models";
 * const r: SimulationResult = await simulate({ model: supHopf, network: { weights: [0, 1, 1, 0] }, duration: 1, record: { observables: ["x"], period: 1 } });
 * console.log(r.backendInfo, r.recorded["x"]!.length === r.lanes * r.times.length * r.nNodes);
 * ```
 */
export interface SimulationResult {
  backend: Exclude<BackendName, "auto">;
  /** Why this backend ran, and on what (adapter name for webgpu). */
  backendInfo: string;
  lanes: number;
  nNodes: number;
  nSteps: number;
  /** Sample times in ms. */
  times: Float64Array;
  /** Per recorded observable: lanes × samples × nodes (empty when keepRecorded is false). */
  recorded: Record<string, Float32Array>;
  /** Per averaged observable: lanes × nodes. */
  averages: Record<string, Float64Array>;
  elapsedMs: number;
  /** lanes × nodes × steps / wall time. */
  nodeStepsPerSecond: number;
}

/**
 * Thrown when simulation options are unusable (unknown parameter, a duration that is not a whole
 * number of steps, too many lanes …); the message names the field and the fix.
 *
 * @example
 * ```ts
 * import { SimulationError, simulate } from "brainfit/sim";
 * import { supHopf } from "brainfit/models";
 * try {
 *   await simulate({ model: supHopf, network: { weights: [0, 1, 1, 0] }, params: { nope: 1 }, duration: 1 });
 * } catch (err) {
 *   if (err instanceof SimulationError) console.error(err.message); // names params.nope and the model's parameters
 * }
 * ```
 */
export class SimulationError extends Error {
  constructor(field: string, message: string) {
    super(`simulation.${field}: ${message}`);
    this.name = "SimulationError";
  }
}

function isCompiled(m: ModelSpec | CompiledModel): m is CompiledModel {
  return (m as CompiledModel).drift !== undefined && Array.isArray((m as CompiledModel).stateNames);
}

function perLane(name: string, v: number | ArrayLike<number> | undefined, lanes: number, dflt: number): Uint32Array {
  const out = new Uint32Array(lanes);
  if (v === undefined || typeof v === "number") {
    const x = v ?? dflt;
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new SimulationError(name, `must be an integer in [0, 2^32), got ${x}`);
    out.fill(x);
    return out;
  }
  if (v.length !== lanes) throw new SimulationError(name, `needs one value per lane (${lanes}), got ${v.length}`);
  for (let i = 0; i < lanes; i++) {
    const x = v[i]!;
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) {
      throw new SimulationError(`${name}[${i}]`, `must be an integer in [0, 2^32), got ${x}`);
    }
    out[i] = x;
  }
  return out;
}

export function prepareSimulation(opts: SimulationOptions): PreparedSimulation {
  const model = isCompiled(opts.model) ? opts.model : compileModel(opts.model);
  const dt = opts.dt ?? 0.1;
  if (!(dt > 0 && Number.isFinite(dt))) throw new SimulationError("dt", `must be a positive number of ms, got ${dt}`);
  if (!(opts.duration > 0 && Number.isFinite(opts.duration))) {
    throw new SimulationError("duration", `must be a positive number of seconds, got ${opts.duration}`);
  }
  const lanes = opts.lanes ?? 1;
  if (!Number.isInteger(lanes) || lanes < 1) throw new SimulationError("lanes", `must be a positive integer, got ${lanes}`);
  const network = buildNetwork(opts.network, dt);
  const n = network.nNodes;
  const P = model.paramNames.length;
  const params = new Float64Array(lanes * n * P);
  const given = opts.params ?? {};
  for (const key of Object.keys(given)) {
    if (!(key in model.paramIndex)) {
      throw new SimulationError(
        `params.${key}`,
        `'${key}' is not a parameter of ${model.name} (parameters: ${model.paramNames.join(", ")})`,
      );
    }
  }
  model.spec.parameters.forEach((p, k) => {
    const v = given[p.name] ?? p.default;
    const set = (lane: number, node: number, x: number) => {
      if (!Number.isFinite(x)) {
        throw new SimulationError(`params.${p.name}`, `value for lane ${lane}, node ${node} is ${x}; parameters must be finite`);
      }
      params[(lane * n + node) * P + k] = x;
    };
    if (typeof v === "number") {
      for (let l = 0; l < lanes; l++) for (let i = 0; i < n; i++) set(l, i, v);
    } else if (v.length === lanes) {
      for (let l = 0; l < lanes; l++) for (let i = 0; i < n; i++) set(l, i, v[l]!);
    } else if (v.length === lanes * n && p.scope === "regional") {
      for (let l = 0; l < lanes; l++) for (let i = 0; i < n; i++) set(l, i, v[l * n + i]!);
    } else {
      const shapes = p.scope === "regional"
        ? `1, lanes (${lanes}) or lanes × nodes (${lanes * n})`
        : `1 or lanes (${lanes}); '${p.name}' is global, so it cannot vary by node`;
      throw new SimulationError(`params.${p.name}`, `got ${v.length} values; expected ${shapes}`);
    }
  });
  const seeds = perLane("seed", opts.seed, lanes, 0);
  const noise = opts.noise ?? "shared";
  const streams = noise === "shared"
    ? new Uint32Array(lanes)
    : noise === "independent"
    ? Uint32Array.from({ length: lanes }, (_, i) => i)
    : perLane("noise", noise, lanes, 0);
  const nSteps = Math.round((opts.duration * 1000) / dt);
  if (nSteps < 1) throw new SimulationError("duration", `shorter than one step (dt = ${dt} ms)`);
  const lookup = (field: string, names: string[]) =>
    names.map((name) => {
      const i = model.observables.indexOf(name);
      if (i < 0) {
        throw new SimulationError(field, `'${name}' is not an observable of ${model.name} (observables: ${model.observables.join(", ")})`);
      }
      return i;
    });
  const recordIdx = lookup("record.observables", opts.record?.observables ?? []);
  let recordEvery = 1;
  if (opts.record) {
    recordEvery = Math.round(opts.record.period / dt);
    if (!(recordEvery >= 1)) throw new SimulationError("record.period", `must be at least one step (${dt} ms), got ${opts.record.period}`);
  }
  const nSamples = recordIdx.length ? Math.floor(nSteps / recordEvery) : 0;
  let slowEvery = 0;
  let slowDt = 0;
  if (model.slowStates.length) {
    slowDt = opts.slowDt ?? model.slowDt;
    slowEvery = wholeSteps(slowDt, dt) ?? 0;
    if (!slowEvery) {
      throw new SimulationError(
        "slowDt",
        `${model.name}'s slow states (${
          model.slowStates.map((i) => model.stateNames[i]).join(", ")
        }) step every ${slowDt} ms, which is not a whole number of steps of dt = ${dt} ms; choose dt that divides it, or set slowDt (BOLD: bwDt) to a multiple of dt`,
      );
    }
  } else if (opts.slowDt !== undefined) {
    throw new SimulationError("slowDt", `${model.name} has no slow states; drop slowDt`);
  }
  return {
    model,
    network,
    lanes,
    nNodes: n,
    nParams: P,
    params,
    seeds,
    streams,
    dt,
    nSteps,
    integrator: opts.integrator ?? "heun",
    recordIdx,
    recordEvery,
    nSamples,
    averageIdx: lookup("averages", opts.averages ?? []),
    slowEvery,
    slowDt,
    onChunk: opts.onChunk,
    keepRecorded: opts.keepRecorded ?? true,
  };
}

/**
 * How many steps of dt make `ms` (both in ms), or null when that is not a whole number ≥ 1 within
 * a relative tolerance (floating point: 0.72 s / 0.1 ms is 7200.000000000001 steps).
 */
export function wholeSteps(ms: number, dt: number, relTol = 1e-9): number | null {
  if (!(typeof ms === "number" && Number.isFinite(ms) && ms > 0)) return null;
  const k = Math.round(ms / dt);
  return k >= 1 && Math.abs(k * dt - ms) <= relTol * ms ? k : null;
}

/** Collects streamed chunks into the (lanes, samples, nodes) arrays of a result. */
export class RecordingSink {
  readonly recorded: Record<string, Float32Array> = {};
  constructor(private readonly sim: PreparedSimulation) {
    if (sim.keepRecorded) {
      for (const k of sim.recordIdx) {
        this.recorded[sim.model.observables[k]!] = new Float32Array(sim.lanes * sim.nSamples * sim.nNodes);
      }
    }
  }
  push(chunk: RecordedChunk): void {
    const { lanes, nSamples, nNodes } = this.sim;
    if (this.sim.keepRecorded) {
      for (const [name, data] of Object.entries(chunk.data)) {
        const dst = this.recorded[name]!;
        for (let l = 0; l < lanes; l++) {
          dst.set(data.subarray(l * chunk.count * nNodes, (l + 1) * chunk.count * nNodes), (l * nSamples + chunk.start) * nNodes);
        }
      }
    }
    this.sim.onChunk?.(chunk);
  }
}

/** The result every backend returns, timed from t0 (performance.now() at the start of the run). */
export function finishResult(
  sim: PreparedSimulation,
  backend: SimulationResult["backend"],
  backendInfo: string,
  sink: RecordingSink,
  averages: Record<string, Float64Array>,
  t0: number,
): SimulationResult {
  const elapsedMs = performance.now() - t0;
  return {
    backend,
    backendInfo,
    lanes: sim.lanes,
    nNodes: sim.nNodes,
    nSteps: sim.nSteps,
    times: sampleTimes(sim),
    recorded: sink.recorded,
    averages,
    elapsedMs,
    nodeStepsPerSecond: (sim.lanes * sim.nNodes * sim.nSteps) / (elapsedMs / 1000),
  };
}

export function sampleTimes(sim: PreparedSimulation): Float64Array {
  return Float64Array.from({ length: sim.nSamples }, (_, k) => (k + 1) * sim.recordEvery * sim.dt);
}
