import type { ModelSpec } from "./spec.ts";

/** Number of evoked-drive slots in the Jansen–Rit spec (drive1 … drive3). */
export const JR_DRIVE_SLOTS = 3;

const sig = (v: string) => `2 * e0 / (1 + exp(r * (v0 - (${v}))))`;

function driveParams(k: number): ModelSpec["parameters"] {
  const p = `drive${k}`;
  return [
    {
      name: `${p}_mu`,
      default: 100 * k,
      bounds: [0, 1e6],
      unit: "ms",
      scope: "regional",
      description: `onset (centre) of evoked drive ${k}`,
    },
    { name: `${p}_sigma`, default: 5, bounds: [0.1, 1000], unit: "ms", scope: "regional", description: `width (SD) of evoked drive ${k}` },
    {
      name: `${p}_amp`,
      default: 0,
      bounds: [-10, 10],
      unit: "1/ms",
      scope: "regional",
      description: `peak input rate of drive ${k}; 0 switches it off`,
    },
    {
      name: `${p}_target`,
      default: 0,
      bounds: [0, 2],
      unit: "1",
      scope: "regional",
      description: `population driven: 0 excitatory interneurons (with p), 1 pyramidal cells, 2 inhibitory interneurons`,
    },
  ];
}

const drives = Array.from({ length: JR_DRIVE_SLOTS }, (_, i) => i + 1);
const pulse = (k: number) => `drive${k}_amp * exp(-0.5 * ((t - drive${k}_mu) / drive${k}_sigma) * ((t - drive${k}_mu) / drive${k}_sigma))`;
const into = (lo: number, hi: number) =>
  drives.map((k) => `(drive${k}_target >= ${lo} && drive${k}_target < ${hi} ? g${k} : 0)`).join(" + ");

/**
 * Jansen–Rit neural mass (Jansen & Rit 1995, Biol Cybern 73:357), with TVB's state names y0…y5:
 *   dy0 = y3,  dy3 = A a S(y1 − y2) − 2a y3 − a² y0                        (pyramidal cells)
 *   dy1 = y4,  dy4 = A a (p + u_e + C2 S(C1 y0) + G c) − 2a y4 − a² y1       (excitatory interneurons)
 *   dy2 = y5,  dy5 = B b (C4 S(C3 y0) + u_i) − 2b y5 − b² y2                (inhibitory interneurons)
 *   S(v) = 2 e0 / (1 + exp(r (v0 − v))),  C1 = C, C2 = 0.8 C, C3 = C4 = 0.25 C
 * with Jansen & Rit's constants A 3.25 mV, B 22 mV, a 100/s, b 50/s, C 135, v0 6 mV,
 * e0 2.5/s, r 0.56/mV and p 220/s (the centre of their 120–320/s range), in ms units here.
 * Network input c = Σ_j w_ij S(y1_j − y2_j)(t − d_ij) enters like p (TVB JansenRit).
 * Noise: additive on y4 with amplitude A a sigma_p (sigma_p is the SD of p per √ms).
 * Evoked drives (as HNN's time-locked inputs): three slots k, each a Gaussian pulse
 *   g_k(t) = drive{k}_amp · exp(−(t − drive{k}_mu)² / (2 drive{k}_sigma²))
 * added to the input rate of population drive{k}_target (0 excitatory interneurons, 1 pyramidal,
 * 2 inhibitory). All drive parameters are regional: per lane and per node, so fittable.
 * Output: dipole = y1 − y2, the pyramidal membrane potential that maps to an MEG/EEG dipole.
 *
 * @example
 * ```ts
 * import { simulate } from "brainfit/sim";
 * import { jansenRit } from "brainfit/models";
 * const r = await simulate({ model: jansenRit, network: { weights: [0, 1, 1, 0] }, duration: 1, record: { observables: ["y0"], period: 1 } });
 * ```
 */
export const jansenRit: ModelSpec = {
  name: "JansenRit",
  description: "Jansen–Rit cortical column (pyramidal cells, excitatory and inhibitory interneurons) with evoked Gaussian drives",
  citation:
    "Jansen & Rit 1995 (Biol Cybern 73:357) constants; Lopes da Silva et al. 1974; TVB models.JansenRit (names y0…y5, coupling); evoked drives after HNN (Neymotin et al. 2020)",
  states: ["y0", "y1", "y2", "y3", "y4", "y5"].map((name) => ({ name, init: 0, description: "" })),
  parameters: [
    { name: "A", default: 3.25, bounds: [1, 10], unit: "mV", scope: "regional", description: "excitatory PSP amplitude" },
    { name: "B", default: 22, bounds: [5, 50], unit: "mV", scope: "regional", description: "inhibitory PSP amplitude" },
    { name: "a", default: 0.1, bounds: [0.02, 0.5], unit: "1/ms", scope: "regional", description: "excitatory rate constant (100/s)" },
    { name: "b", default: 0.05, bounds: [0.01, 0.2], unit: "1/ms", scope: "regional", description: "inhibitory rate constant (50/s)" },
    { name: "C", default: 135, bounds: [50, 300], unit: "1", scope: "regional", description: "connectivity constant" },
    { name: "v0", default: 6, bounds: [0, 12], unit: "mV", scope: "regional", description: "sigmoid threshold" },
    {
      name: "e0",
      default: 0.0025,
      bounds: [0.001, 0.01],
      unit: "1/ms",
      scope: "regional",
      description: "half of the maximal firing rate (2.5/s)",
    },
    { name: "r", default: 0.56, bounds: [0.1, 2], unit: "1/mV", scope: "regional", description: "sigmoid slope" },
    { name: "p", default: 0.22, bounds: [0, 0.5], unit: "1/ms", scope: "regional", description: "mean external input rate (220/s)" },
    { name: "sigma_p", default: 0, bounds: [0, 0.5], unit: "1/ms/√ms", scope: "regional", description: "noise on the external input" },
    { name: "G", default: 0, bounds: [0, 10], unit: "1", scope: "global", description: "global coupling" },
    ...drives.flatMap(driveParams),
  ],
  couplings: [{ name: "c", of: sig("y1 - y2"), form: "linear" }],
  derived: [
    { name: "dipole", expr: "y1 - y2", description: "pyramidal membrane potential (mV), the dipole proxy" },
    ...drives.map((k) => ({ name: `g${k}`, expr: pulse(k), description: `evoked drive ${k} (1/ms)` })),
    { name: "u_e", expr: into(-1e9, 0.5), description: "evoked input to excitatory interneurons" },
    { name: "u_p", expr: into(0.5, 1.5), description: "evoked input to pyramidal cells" },
    { name: "u_i", expr: into(1.5, 1e9), description: "evoked input to inhibitory interneurons" },
  ],
  drift: {
    y0: "y3",
    y1: "y4",
    y2: "y5",
    y3: `A * a * (${sig("y1 - y2")} + u_p) - 2 * a * y3 - a * a * y0`,
    y4: `A * a * (p + u_e + 0.8 * C * ${sig("C * y0")} + G * c) - 2 * a * y4 - a * a * y1`,
    y5: `B * b * (0.25 * C * ${sig("0.25 * C * y0")} + u_i) - 2 * b * y5 - b * b * y2`,
  },
  diffusion: { y4: "A * a * sigma_p" },
  boldInput: "dipole",
};
