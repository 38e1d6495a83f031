// The one description of a fit: which fields a config (JSON, `brainfit fit`) and a problem spec
// (SDK, defineProblem) take, their types and ranges, and the rules across fields. Both paths
// validate against this schema, so the same bad setting gets the same message from either, and
// `brainfit schema` prints it as JSON Schema. The two flavours differ only where the data live:
// a config names files, inline arrays or datasets; a spec holds the numbers themselves.
// What needs the model or the loaded data (parameter names, node counts, observables, steps
// per sample) is checked by FitProblem after this, since only it has them.
import { AAL2_SUBJECTS } from "../datasets/index.ts";
import { BUILTIN_MODELS } from "../models/index.ts";
import { OPTIMIZER_TYPES } from "../optim/registry.ts";
import { getGofTerm, gofTermNames } from "../stats/gof.ts";
import { type FieldSchema, type Rule, type Schema, unknownNameMessage, validate } from "../schema/validate.ts";

const num: Schema = { type: "number" };

/** Defaults the rules need (FitProblem applies the same ones). */
export const DEFAULT_TR = 0.72;
export const DEFAULT_DT = 0.1;

/** Search bounds [low, high] with low < high. */
const boundsRule: Rule = {
  doc: "low < high",
  check: (
    b: number[],
  ) => (b[0]! < b[1]! ? undefined : { field: "", message: `need [low, high] with low < high, got ${JSON.stringify(b)}` }),
};
const bounds: Schema = { type: "array", items: num, minItems: 2, maxItems: 2, doc: "[low, high]", rules: [boundsRule] };

const FOLDER_NAME: Pick<Extract<Schema, { type: "string" }>, "pattern" | "patternHint"> = {
  pattern: "^[A-Za-z0-9._-]+$",
  patternHint: "names a folder: use letters, digits, '-', '_' or '.'",
};

/** A data reference in a config: a file path, inline numbers, or a bundled dataset. */
const dataRef: Schema = {
  type: "union",
  doc: "a file path, an array of numbers, or a dataset reference {dataset: 'hcp' | 'aal2', what, …}",
  options: [
    { type: "string" },
    { type: "array", items: { type: "union", doc: "a number or a row of numbers", options: [num, { type: "array", items: num }] } },
    {
      type: "object",
      fields: {
        dataset: { type: "string", enum: ["hcp"], required: true },
        what: { type: "string", enum: ["sc_strength", "sc_length", "bold", "fc", "fcd_tril", "map"], required: true },
        subject: { type: "string" },
        session: { type: "string" },
        name: { type: "string", doc: "map name, e.g. yeo7" },
        normalize: { type: "boolean" },
      },
    },
    {
      type: "object",
      fields: {
        dataset: { type: "string", enum: ["aal2"], required: true },
        what: { type: "string", enum: ["sc", "len", "bold", "fc"], required: true },
        subject: { type: "string", doc: `one of ${AAL2_SUBJECTS.join(", ")}, or "mean" (average over them)` },
        cortexOnly: { type: "boolean" },
      },
    },
  ],
};

/** optimizer.options of a config: the per-type table (src/optim/options.ts) checks each option;
 *  this node refuses what the problem sets itself. */
export const optimizerOptions: Schema = {
  type: "record",
  values: { type: "any" },
  doc: "options of the optimizer type (see its table)",
  rules: [{
    doc: "dim, lower, upper and scale come from the free parameters",
    check: (o) => {
      const k = ["lower", "upper", "scale", "dim"].find((key) => key in o);
      return k ? { field: k, message: "comes from the problem's free parameters; remove it here" } : undefined;
    },
  }],
};

/** "config": JSON configs (data as references). "spec": FitProblemSpec objects (data as numbers). */
export type Flavour = "config" | "spec";

const numbers: Schema = { type: "numbers" };

function simulationFields(data: Schema): Record<string, FieldSchema> {
  return {
    duration: { type: "number", exclusiveMin: 0, required: true, doc: "simulated seconds" },
    dt: { type: "number", exclusiveMin: 0, doc: "integration step in ms" },
    tr: { type: "number", exclusiveMin: 0, doc: "signal sampling period (BOLD TR) in s" },
    signal: { type: "string", doc: '"bold" or an observable name' },
    fcSignal: { type: "string", doc: 'FC/FCD from this observable ("bold" or a name) instead of signal' },
    fcTr: { type: "number", exclusiveMin: 0, doc: "sampling period of fcSignal in s (a multiple of tr)" },
    boldParams: { type: "string", enum: ["friston2003", "cubnm", "heinzle2016-3T"], doc: "Balloon–Windkessel constants" },
    bwDt: { type: "number", exclusiveMin: 0, doc: "Balloon–Windkessel Euler step in ms (default 1), a multiple of dt" },
    boldRemove: { type: "number", min: 0, doc: "seconds removed from the start" },
    fcdWindow: { type: "number", exclusiveMin: 0 },
    fcdStep: { type: "number", exclusiveMin: 0 },
    excludeInterhemispheric: { type: "boolean" },
    hemispheres: data,
    seed: { type: "number", integer: true, min: 0, max: 0xffffffff },
    integrator: { type: "string", enum: ["heun", "euler"] },
    seriesWeights: data,
    trials: { type: "number", integer: true, min: 1, doc: "noise realisations averaged per candidate" },
    seriesTransform: {
      type: "object",
      fields: { subtractInitial: { type: "boolean" }, smoothMs: { type: "number", min: 0, doc: "ms" }, scale: num },
    },
    psd: {
      type: "object",
      fields: {
        nperseg: { type: "number", integer: true, min: 4 },
        fmin: { type: "number", min: 0 },
        fmax: { type: "number", exclusiveMin: 0 },
      },
    },
  };
}

const simulationRules: Rule[] = [
  {
    doc: "seed + trials − 1 < 2^32",
    check: (
      s,
    ) => ((s.seed ?? 0) + (s.trials ?? 1) - 1 > 0xffffffff
      ? { field: "trials", message: "seed + trials − 1 must stay below 2^32" }
      : undefined),
  },
  {
    doc: "fcTr only with fcSignal",
    check: (
      s,
    ) => (s.fcTr !== undefined && s.fcSignal === undefined && Math.abs(s.fcTr - (s.tr ?? DEFAULT_TR)) > 1e-12
      ? { field: "fcTr", message: "applies only with a simulation.fcSignal other than signal; remove it or name fcSignal" }
      : undefined),
  },
];

const FIC_NUMERICAL_ONLY = ["maxTrials", "tolerance", "samplingStart", "samplingEnd", "initDelta", "rejectFailed"] as const;

const ficSchema: Schema = {
  type: "object",
  doc: "feedback inhibition control (rWW): analytical, or numerical adjustment from the analytical start",
  fields: {
    mode: { type: "string", enum: ["analytical", "numerical"] },
    penaltyScale: { type: "number", min: 0, doc: "cuBNM's FIC penalty scale, 0 for none" },
    maxTrials: {
      type: "number",
      integer: true,
      min: 0,
      doc: "numerical FIC adjustment budget (cuBNM max_fic_trials); 0: analytical wIE only, flagged when off target",
    },
    tolerance: { type: "number", exclusiveMin: 0, doc: "nA (cuBNM 0.005)" },
    samplingStart: { type: "number", min: 0, doc: "ms" },
    samplingEnd: { type: "number", exclusiveMin: 0, doc: "ms" },
    initDelta: { type: "number", exclusiveMin: 0 },
    rejectFailed: { type: "boolean" },
  },
  rules: [
    {
      doc: "maxTrials, tolerance, sampling window, initDelta and rejectFailed only with mode numerical",
      check: (f) => {
        if ((f.mode ?? "analytical") !== "analytical") return undefined;
        const k = FIC_NUMERICAL_ONLY.find((key) => f[key] !== undefined);
        return k ? { field: k, message: 'applies only to numerical FIC; set fic.mode to "numerical" or remove it' } : undefined;
      },
    },
    {
      doc: "samplingEnd > samplingStart",
      check: (f) => {
        const start = f.samplingStart ?? 1000;
        const end = f.samplingEnd ?? 10000;
        return end > start
          ? undefined
          : { field: "samplingEnd", message: `must be above samplingStart (${start} ms), got ${f.samplingEnd}` };
      },
    },
  ],
};

/** Rules across sections of a whole fit (config or spec). */
const fitRules: Rule[] = [
  {
    doc: "each free parameter listed once",
    check: (c) => {
      const seen = new Set<string>();
      for (const [i, f] of (c.free ?? []).entries()) {
        if (seen.has(f.name)) return { field: `free[${i}].name`, message: `'${f.name}' is free twice; list each parameter once` };
        seen.add(f.name);
      }
      return undefined;
    },
  },
  {
    doc: "a fixed parameter is not also free",
    check: (c) => {
      const free = new Set((c.free ?? []).map((f: { name: string }) => f.name));
      const k = Object.keys(c.fixed ?? {}).find((name) => free.has(name));
      return k === undefined ? undefined : { field: `fixed.${k}`, message: `'${k}' is also free; remove it from fixed or from free` };
    },
  },
  {
    doc: "gofWeights weigh listed gof terms",
    check: (c) => {
      const t = Object.keys(c.gofWeights ?? {}).find((k) => !(c.gof ?? []).includes(k));
      return t === undefined ? undefined : {
        field: `gofWeights.${t}`,
        message: `'${t}' is not one of the gof terms (${(c.gof ?? []).join(", ")}); weight a listed term, with its sign`,
      };
    },
  },
  {
    doc: "FIC sets wIE, so wIE is neither free nor fixed",
    check: (
      c,
    ) => (c.fic && ((c.free ?? []).some((f: { name: string }) => f.name === "wIE") || "wIE" in (c.fixed ?? {}))
      ? { field: "fic", message: "FIC sets wIE; remove wIE from free and fixed" }
      : undefined),
  },
  {
    doc: "numerical FIC samples I_E every 1 ms, so dt divides 1 ms",
    check: (c) => {
      if (c.fic?.mode !== "numerical" || !c.simulation) return undefined;
      const dt = c.simulation.dt ?? DEFAULT_DT;
      const every = Math.round(1 / dt);
      return every >= 1 && Math.abs(every * dt - 1) < 1e-9
        ? undefined
        : { field: "simulation.dt", message: `numerical FIC samples I_E every 1 ms, so dt must divide 1 ms; got ${dt} ms` };
    },
  },
];

const gofTerm: Schema = {
  type: "string",
  pattern: "^[+-]",
  patternHint: 'must start with + (reward) or - (penalty), e.g. "+fc_corr"',
  rules: [{
    doc: "a registered GOF term",
    check: (t: string) => {
      try {
        getGofTerm(t);
        return undefined;
      } catch {
        return { field: "", message: unknownNameMessage("GOF term", t, gofTermNames()) };
      }
    },
  }],
};

function freeSchema(data: Schema): Schema {
  return {
    type: "object",
    fields: {
      name: { type: "string", required: true },
      bounds: { ...bounds, required: true },
      scale: { type: "string", enum: ["linear", "log"] },
      groups: data,
      maps: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          fields: { name: { type: "string", required: true }, values: { ...data, required: true }, bounds: { ...bounds, required: true } },
        },
      },
    },
    rules: [
      {
        doc: 'scale "log" needs low > 0',
        check: (
          f,
        ) => (f.scale === "log" && !(f.bounds[0] > 0)
          ? { field: "bounds", message: `scale "log" needs low > 0, got ${f.bounds[0]}` }
          : undefined),
      },
      {
        doc: "groups or maps, not both",
        check: (
          f,
        ) => (f.groups !== undefined && f.maps !== undefined ? { field: "", message: "use either groups or maps, not both" } : undefined),
      },
    ],
  };
}

/**
 * The schema of a fit. `requireAll` false gives a batch variant's (every field optional, merged
 * over the base config). One more option is one more entry in `fields` (and, if it must agree
 * with others, one more rule).
 */
export function fitSchema(flavour: Flavour, requireAll = true): Schema {
  const r = requireAll;
  const config = flavour === "config";
  const data = config ? dataRef : numbers;
  const sim = simulationFields(data);
  const fields: Record<string, FieldSchema> = {
    ...(config ? { $schema: { type: "string" } as FieldSchema } : {}),
    name: { type: "string", ...FOLDER_NAME, required: config && !r, doc: "names the run folders" },
    description: { type: "string" },
    model: config
      ? {
        type: "union",
        doc: `a built-in model name (${Object.keys(BUILTIN_MODELS).join(", ")}) or a model spec object`,
        options: [{ type: "string" }, { type: "record", values: { type: "any" } }],
        required: r,
      }
      : {
        type: "union",
        doc: "a built-in model name, a ModelSpec or a CompiledModel",
        options: [{ type: "string" }, { type: "record", values: { type: "any" } }],
        required: r,
      },
    network: {
      type: "object",
      required: r,
      fields: config
        ? {
          weights: { ...dataRef, required: true },
          lengths: dataRef,
          speed: { type: "number", exclusiveMin: 0, doc: "mm/ms" },
          normalize: { type: "string", enum: ["none", "mean", "max"] },
          zeroDiagonal: { type: "boolean" },
        }
        : {
          weights: { ...numbers, doc: "n × n weights, row-major", required: true },
          lengths: numbers,
          speed: { type: "number", exclusiveMin: 0, infinite: true, doc: "mm/ms" },
          nNodes: { type: "number", integer: true, min: 1 },
        },
    },
    free: { type: "array", minItems: 1, required: r, items: freeSchema(data), doc: "e.g. [{ name: 'G', bounds: [0, 1] }]" },
    fixed: {
      type: "record",
      values: { type: "union", doc: "a number or one number per node", options: [num, config ? { type: "array", items: num } : numbers] },
    },
    target: {
      type: "object",
      required: r,
      fields: {
        bold: config ? dataRef : {
          type: "object",
          fields: {
            data: { ...numbers, required: true },
            nTime: { type: "number", integer: true, min: 3, required: true, doc: "volumes" },
            tr: { type: "number", exclusiveMin: 0 },
          },
        },
        tr: { type: "number", exclusiveMin: 0 },
        fc: data,
        fcdTril: data,
        series: data,
        seriesTimes: data,
        psdPeaks: data,
      },
    },
    gof: { type: "array", items: gofTerm, minItems: 1, required: r, doc: 'signed terms, e.g. ["+fc_corr"]' },
    gofWeights: { type: "record", values: { type: "number", exclusiveMin: 0, doc: "drop the term from gof to ignore it" } },
    objectives: { type: "string", enum: ["sum", "terms"] },
    simulation: {
      type: "object",
      required: r,
      fields: r ? sim : Object.fromEntries(Object.entries(sim).map(([k, v]) => [k, { ...v, required: false }])),
      rules: simulationRules,
    },
    penalties: config
      ? {
        type: "array",
        items: {
          type: "union",
          doc: 'a penalty {kind: "average-range" | "average-target", …}',
          options: [
            {
              type: "object",
              fields: {
                kind: { type: "string", enum: ["average-range"], required: true },
                observable: { type: "string", required: true },
                low: { ...num, required: true },
                high: { ...num, required: true },
                weight: { type: "number", min: 0 },
              },
            },
            {
              type: "object",
              fields: {
                kind: { type: "string", enum: ["average-target"], required: true },
                observable: { type: "string", required: true },
                target: { ...num, required: true },
                weight: { type: "number", min: 0 },
                rate: { type: "number", exclusiveMin: 0 },
              },
            },
          ],
        },
      }
      : { type: "array", items: { type: "any", doc: "a Penalty { name, averages?, compute }" } },
    divergedCost: num,
    fic: ficSchema,
    ...(config
      ? {
        optimizer: {
          type: "object",
          required: r,
          fields: {
            type: { type: "string", enum: OPTIMIZER_TYPES, required: r },
            runs: { type: "number", integer: true, min: 1, doc: "independent runs (seeds seed, seed+1, …)" },
            options: optimizerOptions,
            gradient: {
              type: "string",
              enum: ["adjoint", "finite-difference"],
              doc:
                "adam, lbfgsb: gradients by the adjoint (default; finite differences when the problem is not differentiable) or by finite differences",
            },
          },
        } as FieldSchema,
      }
      : {}),
    ...(config && r ? { batch: { type: "array", minItems: 1, items: fitSchema("config", false) } as FieldSchema } : {}),
  };
  return { type: "object", fields, rules: fitRules };
}

const specSchema = fitSchema("spec");

/** Check a FitProblemSpec (the SDK path) against the same schema and rules as configs. */
export function validateProblemSpec(spec: unknown): void {
  validate(spec, specSchema);
}
