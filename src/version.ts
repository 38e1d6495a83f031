/** The brainfit release (kept equal to package.json's version; a CLI test checks it). */
export const VERSION = "0.1.0";
