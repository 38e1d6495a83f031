// The simulation the user-model edge worker (fhn-worker.ts) runs, shared with its test so the
// Node run is the same problem: FitzHugh–Nagumo (fhn.json, a user-defined model) on a 4-node
// ring with delays; the request sets lanes, the drive I per lane, duration, seed and backend.
import type { ModelSpec } from "brainfit/models";
import type { BackendName, SimulationOptions } from "brainfit/sim";
import spec from "./fhn.json" with { type: "json" };

export interface FhnRequest {
  /** Drive I, one value per lane (default [0.5]). */
  I?: number[];
  /** Simulated seconds (default 0.05, at most 2). */
  duration?: number;
  seed?: number;
  backend?: BackendName;
}

export const FHN_MODEL = spec as unknown as ModelSpec; // checked by compileModel when simulated

/** Options for simulate(); throws an Error naming the field on bad input. */
export function fhnSimulation(req: FhnRequest): SimulationOptions & { backend: BackendName } {
  const I = req.I ?? [0.5];
  if (!Array.isArray(I) || I.length === 0 || I.length > 64 || !I.every(Number.isFinite)) {
    throw new Error("I: give 1 to 64 numbers, one drive per lane");
  }
  const duration = req.duration ?? 0.05;
  if (!(duration > 0 && duration <= 2)) throw new Error("duration: give seconds in (0, 2]");
  const backend = req.backend ?? "auto";
  if (!["auto", "wasm", "reference"].includes(backend)) throw new Error("backend: use auto, wasm or reference");
  return {
    model: FHN_MODEL,
    // A ring: each node drives the next (row = target), tract lengths 8 mm at 4 mm/ms → 2-ms delays.
    network: { weights: [0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], lengths: Array(16).fill(8), speed: 4 },
    lanes: I.length,
    params: { I },
    duration,
    dt: 0.1,
    seed: req.seed ?? 1,
    noise: "independent",
    record: { observables: ["v", "w"], period: 1 },
    backend,
  };
}
