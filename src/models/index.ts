export * from "./expr.ts";
export * from "./spec.ts";
export { supHopf, supHopfDifference } from "./hopf.ts";
export { wilsonCowan } from "./wilsoncowan.ts";
export { rww, RWW_CONSTANTS } from "./rww.ts";
export { rwwEx, RWWEX_CONSTANTS } from "./rwwex.ts";
export { jansenRit, JR_DRIVE_SLOTS } from "./jansenrit.ts";
export { kuramoto, orderParameter } from "./kuramoto.ts";
export { withBold, integrateBoldEuler, BOLD_PARAMS, boldConstantsAtField, DEFAULT_BW_DT, NU0_PER_TESLA, type FieldStrengthOptions, type BoldConstants, type BoldParamSet, type WithBoldOptions } from "./bold.ts";
import { supHopf, supHopfDifference } from "./hopf.ts";
import { wilsonCowan } from "./wilsoncowan.ts";
import { rww } from "./rww.ts";
import { rwwEx } from "./rwwex.ts";
import { jansenRit } from "./jansenrit.ts";
import { kuramoto } from "./kuramoto.ts";
import { withBold } from "./bold.ts";
import type { ModelSpec } from "./spec.ts";

/** Built-in models by name (case-insensitive lookup via getModel). */
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

export function getModel(name: string): ModelSpec {
  const key = Object.keys(BUILTIN_MODELS).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key) throw new Error(`unknown model '${name}'; built-in models: ${Object.keys(BUILTIN_MODELS).join(", ")}`);
  return BUILTIN_MODELS[key]!;
}
export { analyticalFic, ficPenalty, brentRoot, FIC_TARGET_IE, FicError, type AnalyticalFicOptions, type AnalyticalFicResult } from "./fic.ts";
export {
  nodeGroups, symmetricGroups, parseNodeValues, expandGroups, normaliseMap, autoCoefRange, mapHeterogeneity, HeterogeneityError,
  type NodeGroups, type MapNormalisation, type MapHeterogeneityOptions, type MapHeterogeneityResult,
} from "./heterogeneity.ts";
