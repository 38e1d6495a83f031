// brainfit/models: the built-in neural-mass models as plain-data specs, the spec format for your
// own, and the model-level helpers (BOLD as a spec transform, analytical FIC, Kuramoto order).
// Public surface: every name here is documented with an example (test/layout/public-api.test.ts).
export { compileModel, ModelSpecError, type CompiledModel, type CouplingSpec, type ModelSpec, type ParameterSpec, type StateSpec } from "./spec.ts";
export { supHopf, supHopfDifference } from "./hopf.ts";
export { wilsonCowan } from "./wilsoncowan.ts";
export { rww } from "./rww.ts";
export { rwwEx } from "./rwwex.ts";
export { jansenRit } from "./jansenrit.ts";
export { kuramoto, orderParameter } from "./kuramoto.ts";

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
