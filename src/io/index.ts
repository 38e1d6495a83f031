// brainfit/io: read connectomes and time series (.npy, .npz, .mat, text, JSON, TVB zips)
// in every runtime, and write results numpy, pandas and MATLAB open directly.
// Public surface: every name here is documented with an example (test/layout/public-api.test.ts).
export { BrainfitIOError, type IOErrorCode } from "./errors.ts";
export { asMatrix, type NdArray, ndarray, type NumericDType, toFloat64 } from "./ndarray.ts";
export { parseNpy, writeNpy } from "./npy.ts";
export { listNpzKeys, parseNpz, writeNpz } from "./npz.ts";
export { listMatVariables, parseMat, writeMat } from "./mat.ts";
export { parseTextMatrix, writeCsv } from "./text.ts";
export { writeJson } from "./json.ts";
export { type Connectivity, parseTvbZip } from "./connectivity.ts";
export { listKeys, loadArray, loadConnectivity, type LoadOptions, parseArray } from "./load.ts";
export { saveFile, type Source } from "./source.ts";
