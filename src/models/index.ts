// brainfit/models: the built-in neural-mass models as plain-data specs, the spec format for your
// own, and the model-level helpers (BOLD as a spec transform, analytical FIC, Kuramoto order).
// Public surface: every name here is documented with an example (test/layout/public-api.test.ts).
export {
  type CompiledModel,
  compileModel,
  type CouplingSpec,
  type ModelSpec,
  ModelSpecError,
  type ParameterSpec,
  type StateSpec,
} from "./spec.ts";
export { supHopf, supHopfDifference } from "./hopf.ts";
export { wilsonCowan } from "./wilsoncowan.ts";
export { rww } from "./rww.ts";
export { rwwEx } from "./rwwex.ts";
export { jansenRit } from "./jansenrit.ts";
export { kuramoto, orderParameter } from "./kuramoto.ts";
export { withBold, type WithBoldOptions } from "./bold.ts";
export { analyticalFic, type AnalyticalFicOptions, type AnalyticalFicResult, FicError } from "./fic.ts";

import { supHopf, supHopfDifference } from "./hopf.ts";
import { wilsonCowan } from "./wilsoncowan.ts";
import { rww } from "./rww.ts";
import { rwwEx } from "./rwwex.ts";
import { jansenRit } from "./jansenrit.ts";
import { kuramoto } from "./kuramoto.ts";
import { withBold } from "./bold.ts";
import type { ModelSpec } from "./spec.ts";

/**
 * Built-in models by name (case-insensitive lookup via getModel).
 *
 * @example
 * ```ts
 * import { BUILTIN_MODELS } from "brainfit/models";
 * console.log(Object.keys(BUILTIN_MODELS)); // ["SupHopf", "SupHopfDifference", "WilsonCowan", "rWW", …]
 * ```
 */
export const BUILTIN_MODELS: Record<string, ModelSpec> = {
  SupHopf: supHopf,
  SupHopfDifference: supHopfDifference,
  WilsonCowan: wilsonCowan,
  rWW: rww,
  rWWEx: rwwEx,
  JansenRit: jansenRit,
  Kuramoto: kuramoto,
  // With Balloon–Windkessel BOLD: one kernel per model serves every BOLD parameter set.
  rWW_BOLD: withBold(rww),
  rWWEx_BOLD: withBold(rwwEx),
  SupHopf_BOLD: withBold(supHopf),
  WilsonCowan_BOLD: withBold(wilsonCowan),
};

/**
 * A built-in model by name, case-insensitive (as configs and the CLI name them); throws listing
 * the built-in names when there is none.
 *
 * @example
 * ```ts
 * import { getModel } from "brainfit/models";
 * const model = getModel("rww_bold"); // rWW with Balloon–Windkessel BOLD
 * ```
 */
export function getModel(name: string): ModelSpec {
  const key = Object.keys(BUILTIN_MODELS).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key) throw new Error(`unknown model '${name}'; built-in models: ${Object.keys(BUILTIN_MODELS).join(", ")}`);
  return BUILTIN_MODELS[key]!;
}
