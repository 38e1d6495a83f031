// brainfit io: read connectomes and time series (.npy, .npz, .mat, text, JSON, TVB zips)
// in every runtime, and write results numpy, pandas and MATLAB open directly.
export { BrainfitIOError, isBrainfitIOError, type IOErrorCode } from "./errors.ts";
export {
  arraysEqual,
  asMatrix,
  fortranToC,
  ndarray,
  NUMERIC_DTYPES,
  shapeSize,
  toFloat64,
  validateArray,
  type ArrayData,
  type Float64Matrix,
  type Float64NdArray,
  type NdArray,
  type NumericDType,
} from "./ndarray.ts";
export { isNpy, parseNpy, readNpyHeader, writeNpy, type NpyHeader } from "./npy.ts";
export { listNpzKeys, parseNpz, parseNpzAll, writeNpz, type NpzReadOptions, type NpzWriteOptions } from "./npz.ts";
export { listMatVariables, parseMat, parseMatAll, writeMat, type MatReadOptions, type MatVariableInfo, type MatWriteOptions } from "./mat.ts";
export { formatNumber, parseTextMatrix, writeCsv, type CsvWriteOptions, type TextMatrix, type TextReadOptions } from "./text.ts";
export { ndarrayFromJson, parseJsonArray, readJson, toJsonText, writeJson } from "./json.ts";
export { parseTvbZip, type Connectivity } from "./connectivity.ts";
export { listKeys, loadArray, loadConnectivity, parseArray, sniffFormat, type ConnectivityParts, type FileFormat, type LoadOptions } from "./load.ts";
export { resolveSource, saveFile, type ResolvedSource, type SaveFileOptions, type Source } from "./source.ts";
export { readZipDirectory, writeZip, type ZipEntry } from "./zip.ts";
