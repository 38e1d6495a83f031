export * from "./expr.ts";
export * from "./spec.ts";
export { supHopf, supHopfDifference } from "./hopf.ts";
export { wilsonCowan } from "./wilsoncowan.ts";
import { supHopf, supHopfDifference } from "./hopf.ts";
import { wilsonCowan } from "./wilsoncowan.ts";
import type { ModelSpec } from "./spec.ts";

/** Built-in models by name (case-insensitive lookup via getModel). */
export const BUILTIN_MODELS: Record<string, ModelSpec> = {
  SupHopf: supHopf,
  SupHopfDifference: supHopfDifference,
  WilsonCowan: wilsonCowan,
};

export function getModel(name: string): ModelSpec {
  const key = Object.keys(BUILTIN_MODELS).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key) throw new Error(`unknown model '${name}'; built-in models: ${Object.keys(BUILTIN_MODELS).join(", ")}`);
  return BUILTIN_MODELS[key]!;
}
