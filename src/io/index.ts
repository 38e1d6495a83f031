// brainfit/io: read connectomes and time series (.npy, .npz, .mat, text, JSON, TVB zips)
// in every runtime, and write results numpy, pandas and MATLAB open directly.
// Public surface: every name here is documented with an example (test/layout/public-api.test.ts).
export { BrainfitIOError, type IOErrorCode } from "./errors.ts";
export { asMatrix, ndarray, toFloat64, type NdArray, type NumericDType } from "./ndarray.ts";
export { parseNpy, writeNpy } from "./npy.ts";
export { listNpzKeys, parseNpz, writeNpz } from "./npz.ts";
export { listMatVariables, parseMat, writeMat } from "./mat.ts";
export { parseTextMatrix, writeCsv } from "./text.ts";
export { writeJson } from "./json.ts";
export { parseTvbZip, type Connectivity } from "./connectivity.ts";
export { listKeys, loadArray, loadConnectivity, parseArray, type LoadOptions } from "./load.ts";
export { saveFile, type Source } from "./source.ts";
