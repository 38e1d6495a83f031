/**
 * The brainfit release (kept equal to package.json's version; a CLI test checks it).
 *
 * @example
 * ```ts
 * import { VERSION } from "brainfit";
 * console.log(`brainfit ${VERSION}`);
 * ```
 */
export const VERSION = "0.1.0";
