// simulateBold: a simulation that keeps only BOLD at TR (the model carries Balloon–Windkessel
// states from models/bold.ts withBold). It runs simulations, so it sits in sim/.
import { type ModelSpec, ModelSpecError } from "../models/spec.ts";
import { simulate, type SimulateOptions } from "./simulate.ts";
import type { SimulationResult } from "../batch/prepare.ts";

/**
 * simulateBold's options: simulate()'s, with the repetition time (s) at which BOLD is sampled
 * and the seconds dropped from the start.
 *
 * @example
 * ```ts
 * import { simulateBold, type SimulateBoldOptions } from "brainfit/sim";
 * import { supHopf, withBold } from "brainfit/models";
 * const opts: SimulateBoldOptions = { model: withBold(supHopf), network: { weights: [0, 1, 1, 0] }, duration: 30, tr: 1, boldRemove: 5 };
 * const res = await simulateBold(opts);
 * ```
 */
export interface SimulateBoldOptions extends Omit<SimulateOptions, "record" | "keepRecorded" | "onChunk"> {
  /** Repetition time in s: `bold` is sampled every TR. */
  tr: number;
  /** Seconds removed from the start (cuBNM bold_remove_s). Default 0. */
  boldRemove?: number;
}

/**
 * BOLD at TR (lanes × volumes × nodes, float32), its times, and the underlying simulation result.
 *
 * @example
 * ```ts
 * import { simulateBold, type SimulateBoldResult } from "brainfit/sim";
 * import { supHopf, withBold } from "brainfit/models";
 * const res: SimulateBoldResult = await simulateBold({ model: withBold(supHopf), network: { weights: [0, 1, 1, 0] }, duration: 30, tr: 1 });
 * console.log(res.volumes, res.bold.length === res.lanes * res.volumes * res.nNodes);
 * ```
 */
export interface SimulateBoldResult {
  /** lanes × nodes × volumes (node-major per lane, the layout fcBatch reads). */
  bold: Float32Array;
  lanes: number;
  nNodes: number;
  volumes: number;
  /** Time of each kept volume in s. */
  times: Float64Array;
  /** The run itself (averages, backend, timing); its `recorded` is empty. */
  result: SimulationResult;
}

/**
 * Simulate and return BOLD at TR with the first boldRemove seconds dropped. The model must carry
 * a `bold` observable (wrap it with withBold). Only BOLD samples are held: recording is streamed
 * (onChunk, keepRecorded false) straight into the output array.
 *
 * @example
 * ```ts
 * import { simulateBold } from "brainfit/sim";
 * import { rww, withBold } from "brainfit/models";
 * const { bold, volumes, nNodes } = await simulateBold({ model: withBold(rww), network: { weights: [0, 0.02, 0.02, 0] }, duration: 60, tr: 0.72, boldRemove: 10 });
 * ```
 */
export async function simulateBold(opts: SimulateBoldOptions): Promise<SimulateBoldResult> {
  const model = opts.model as ModelSpec;
  const names = "observables" in opts.model
    ? (opts.model as { observables: string[] }).observables
    : [...model.states.map((s) => s.name), ...(model.derived ?? []).map((d) => d.name)];
  if (!names.includes("bold")) {
    throw new ModelSpecError(model.name, "bold", "the model has no 'bold' observable; wrap it with withBold(spec) first");
  }
  if (!(opts.tr > 0)) throw new ModelSpecError(model.name, "tr", `TR must be > 0 s, got ${opts.tr}`);
  const lanes = opts.lanes ?? 1;
  const total = Math.floor(opts.duration / opts.tr + 1e-9);
  const drop = Math.round((opts.boldRemove ?? 0) / opts.tr);
  if (drop >= total) {
    throw new ModelSpecError(
      model.name,
      "boldRemove",
      `removing ${opts.boldRemove} s leaves no volumes of a ${opts.duration} s run at TR ${opts.tr} s`,
    );
  }
  const volumes = total - drop;
  let n = 0;
  let bold: Float32Array | null = null;
  const result = await simulate({
    ...opts,
    record: { observables: ["bold"], period: opts.tr * 1000 },
    keepRecorded: false,
    onChunk: (chunk) => {
      const d = chunk.data.bold!;
      n = d.length / (lanes * chunk.count);
      bold ??= new Float32Array(lanes * n * volumes);
      for (let l = 0; l < lanes; l++) {
        for (let k = 0; k < chunk.count; k++) {
          const vol = chunk.start + k - drop;
          if (vol < 0 || vol >= volumes) continue;
          const src = (l * chunk.count + k) * n;
          for (let i = 0; i < n; i++) bold![(l * n + i) * volumes + vol] = d[src + i]!;
        }
      }
    },
  });
  const times = Float64Array.from({ length: volumes }, (_, v) => (v + drop + 1) * opts.tr);
  return { bold: bold ?? new Float32Array(0), lanes, nNodes: result.nNodes, volumes, times, result };
}
