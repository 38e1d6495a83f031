// Typed errors for everything that reads or writes files. Each carries a stable
// machine-readable `code`, and a message that names the file/field and the fix.

/**
 * Stable codes of {@link BrainfitIOError}.
 *
 * @example
 * ```ts
 * import { BrainfitIOError, parseNpy, type IOErrorCode } from "brainfit/io";
 * let code: IOErrorCode | undefined;
 * try {
 *   parseNpy(new Uint8Array([1, 2, 3]));
 * } catch (err) {
 *   if (err instanceof BrainfitIOError) code = err.code; // "NPY_BAD_MAGIC"
 * }
 * ```
 */
export type IOErrorCode =
  | "SOURCE_UNSUPPORTED"
  | "SOURCE_READ_FAILED"
  | "FS_UNAVAILABLE"
  | "FORMAT_UNKNOWN"
  | "TOO_LARGE"
  | "NPY_BAD_MAGIC"
  | "NPY_BAD_VERSION"
  | "NPY_BAD_HEADER"
  | "NPY_UNSUPPORTED_DTYPE"
  | "NPY_OBJECT_ARRAY"
  | "NPY_TRUNCATED"
  | "NPY_BAD_DATA"
  | "ZIP_BAD_ARCHIVE"
  | "ZIP_UNSUPPORTED"
  | "ZIP_CORRUPT_MEMBER"
  | "NPZ_EMPTY"
  | "NPZ_KEY_NOT_FOUND"
  | "MAT_BAD_HEADER"
  | "MAT_V73"
  | "MAT_V4"
  | "MAT_TRUNCATED"
  | "MAT_BAD_ELEMENT"
  | "MAT_COMPLEX"
  | "MAT_UNSUPPORTED_CLASS"
  | "MAT_VAR_NOT_FOUND"
  | "MAT_NO_VARIABLES"
  | "HDF5_UNSUPPORTED"
  | "TEXT_EMPTY"
  | "TEXT_BAD_NUMBER"
  | "TEXT_RAGGED"
  | "JSON_BAD"
  | "TVB_MISSING_MEMBER"
  | "TVB_BAD_SHAPE"
  | "CONNECTIVITY_BAD"
  | "NOT_A_MATRIX"
  | "BAD_ARRAY"
  | "WRITE_UNSUPPORTED"
  | "WRITE_FAILED"
  | "DATASET_NOT_FOUND"
  | "DATASET_BAD_ARGUMENT";

/**
 * Error thrown by every reader, writer and dataset loader of brainfit's io layer.
 *
 * @example
 * ```ts
 * import { BrainfitIOError, loadArray } from "brainfit/io";
 * try {
 *   await loadArray("missing.npy");
 * } catch (err) {
 *   if (err instanceof BrainfitIOError) console.error(err.code, err.message); // "SOURCE_READ_FAILED", names the file
 * }
 * ```
 */
export class BrainfitIOError extends Error {
  readonly code: IOErrorCode;
  /** File name, URL or member the error refers to, when known. */
  readonly source: string | undefined;

  constructor(code: IOErrorCode, message: string, options?: { source?: string; cause?: unknown }) {
    const where = options?.source ? `${options.source}: ` : "";
    super(`${where}${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BrainfitIOError";
    this.code = code;
    this.source = options?.source;
  }
}

/** True when `e` is a {@link BrainfitIOError}, optionally with the given code. */
export function isBrainfitIOError(e: unknown, code?: IOErrorCode): e is BrainfitIOError {
  return e instanceof BrainfitIOError && (code === undefined || e.code === code);
}
