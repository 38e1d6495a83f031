// valueAndGradSimulation: loss and exact gradient (reverse mode, grad/backward.ts) for a batch of
// lanes: any loss of the recorded observables, gradient with respect to every parameter (global:
// per lane; regional: lanes × nodes). The fit-level valueAndGrad(problem, candidates) is in
// fit/gradients.ts (fit/ sits above grad/).
import { prepareSimulation, type SimulationOptions } from "../batch/prepare.ts";
import { type BackwardOptions, type BatchLoss, type LaneLoss, type LaneRecording, simulateGradient } from "./backward.ts";

export interface SimulationGradient {
  /** Loss per lane. */
  values: Float64Array;
  /** Per parameter: d loss / d value. Global parameters: one per lane; regional: lanes × nodes (lane-major). */
  grads: Record<string, Float64Array>;
  recorded: LaneRecording[];
  checkpointEvery: number;
  peakBytes: number;
  forwardMs: number;
  backwardMs: number;
}

/**
 * Loss of every lane's recording (float64, samples × nodes per observable) and its exact gradient
 * (the adjoint through the simulation, docs/gradients.md) with respect to the model's parameters,
 * on the float64 reference (backend options are ignored). Global parameters get one derivative
 * per lane, regional ones lanes × nodes.
 *
 * @example
 * ```ts
 * import { valueAndGradSimulation } from "brainfit/sim";
 * import { supHopf } from "brainfit/models";
 * const r = valueAndGradSimulation(
 *   { model: supHopf, network: { weights: [0, 0.5, 0.5, 0] }, duration: 0.2, lanes: 1, record: { observables: ["x"], period: 1 } },
 *   (_lane, rec) => {
 *     // loss: mean of x² over samples and nodes; its gradient with respect to each sample
 *     const x = rec.x!;
 *     return { value: x.reduce((a, v) => a + v * v, 0) / x.length, grad: { x: x.map((v) => (2 * v) / x.length) } };
 *   },
 * );
 * console.log(r.values[0], r.grads.G![0], r.grads.a); // d loss / d G (global), d loss / d a (per node)
 * ```
 */
export function valueAndGradSimulation(
  options: SimulationOptions,
  loss: LaneLoss | BatchLoss,
  backward: BackwardOptions = {},
): SimulationGradient {
  if (!options.record?.observables.length) {
    throw new Error("valueAndGradSimulation: record at least one observable (options.record); the loss reads the recording");
  }
  const sim = prepareSimulation(options);
  const r = simulateGradient(sim, loss, backward);
  const m = sim.model;
  const { lanes, nNodes: n, nParams: P } = sim;
  const grads: Record<string, Float64Array> = {};
  m.spec.parameters.forEach((p, k) => {
    if (p.scope === "global") {
      const g = new Float64Array(lanes);
      for (let l = 0; l < lanes; l++) for (let i = 0; i < n; i++) g[l] += r.paramGrad[(l * n + i) * P + k]!;
      grads[p.name] = g;
    } else {
      const g = new Float64Array(lanes * n);
      for (let l = 0; l < lanes; l++) for (let i = 0; i < n; i++) g[l * n + i] = r.paramGrad[(l * n + i) * P + k]!;
      grads[p.name] = g;
    }
  });
  return {
    values: r.values,
    grads,
    recorded: r.recorded,
    checkpointEvery: r.checkpointEvery,
    peakBytes: r.peakBytes,
    forwardMs: r.forwardMs,
    backwardMs: r.backwardMs,
  };
}
