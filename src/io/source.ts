// Getting bytes in and out: paths (Node, Deno, Bun), URLs (file: via the filesystem,
// http(s): via fetch), Response, Blob, ArrayBuffer and Uint8Array. Node APIs are imported
// lazily inside functions so this module loads in browsers too.
import { BrainfitIOError } from "./errors.ts";

/**
 * Anything brainfit can read bytes from.
 *
 * @example
 * ```ts
 * import { loadArray, type Source } from "brainfit/io";
 * const sources: Source[] = ["sc.npy", new URL("https://example.org/sc.npy"), new Uint8Array(0)];
 * const first = await loadArray(sources[0]!);
 * ```
 */
export type Source = string | URL | Uint8Array | ArrayBuffer | Response | Blob;

export interface ResolvedSource {
  bytes: Uint8Array;
  /** Name for messages and extension sniffing (path, URL or "bytes"). */
  name: string;
  /** Member/variable selected with a "file.npz:key" / "file.mat:name" suffix. */
  key?: string;
}

type FsPromises = {
  readFile(p: string | URL): Promise<Uint8Array>;
  open(
    p: string | URL,
    flags: string,
    mode?: number,
  ): Promise<
    {
      write(b: Uint8Array, off: number, len: number, pos: number | null): Promise<{ bytesWritten: number }>;
      datasync(): Promise<void>;
      close(): Promise<void>;
    }
  >;
  rename(a: string | URL, b: string | URL): Promise<void>;
  rm(p: string | URL, o?: { force?: boolean }): Promise<void>;
  mkdir(p: string | URL, o?: { recursive?: boolean }): Promise<unknown>;
};

interface DenoLike {
  readFile(p: string | URL): Promise<Uint8Array>;
}

/** Imports a Node built-in lazily; the indirection keeps browser bundlers from resolving it. */
async function nodeImport<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as T;
}

async function fsPromises(): Promise<FsPromises> {
  try {
    return await nodeImport<FsPromises>("node:fs/promises");
  } catch (e) {
    throw new BrainfitIOError(
      "FS_UNAVAILABLE",
      "this runtime has no filesystem access (node:fs/promises); in a browser pass a URL, Response, Blob or the file's bytes instead of a path",
      { cause: e },
    );
  }
}

/** Splits "data/x.npz:weights" or "x.mat:sc" into path and key; other strings come back unchanged. */
export function splitKeySuffix(path: string): { path: string; key?: string } {
  const m = /^(.*\.(?:npz|mat|zip))(?::([^/\\:]+))$/i.exec(path);
  if (!m) return { path };
  return { path: m[1]!, key: m[2]! };
}

function isUrlString(s: string): boolean {
  return /^(?:https?|file|data|blob):/i.test(s);
}

async function readPath(path: string | URL, name: string): Promise<Uint8Array> {
  const deno = (globalThis as { Deno?: DenoLike }).Deno;
  try {
    if (deno && typeof deno.readFile === "function") return await deno.readFile(path);
    const fs = await fsPromises();
    const buf = await fs.readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    if (e instanceof BrainfitIOError) throw e;
    const code = (e as { code?: string }).code;
    const why = code === "ENOENT" || (e as Error).name === "NotFound" ? "no such file" : (e as Error).message;
    throw new BrainfitIOError(
      "SOURCE_READ_FAILED",
      `cannot read the file (${why}); check the path (relative paths resolve against the working directory)`,
      { source: name, cause: e },
    );
  }
}

async function readResponse(res: Response, name: string): Promise<Uint8Array> {
  if (!res.ok) {
    throw new BrainfitIOError("SOURCE_READ_FAILED", `HTTP ${res.status} ${res.statusText}; check the URL`, { source: name });
  }
  return new Uint8Array(await res.arrayBuffer());
}

async function fetchUrl(url: string, name: string): Promise<Uint8Array> {
  if (typeof fetch !== "function") {
    throw new BrainfitIOError("SOURCE_UNSUPPORTED", "this runtime has no fetch(); pass the bytes instead", { source: name });
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new BrainfitIOError("SOURCE_READ_FAILED", `fetch failed (${(e as Error).message}); check the URL and network`, {
      source: name,
      cause: e,
    });
  }
  return readResponse(res, name);
}

/** Reads a source into bytes (no copy for Uint8Array/ArrayBuffer input). */
export async function resolveSource(source: Source, name?: string): Promise<ResolvedSource> {
  if (source instanceof Uint8Array) return { bytes: source, name: name ?? "bytes" };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), name: name ?? "bytes" };
  if (typeof Response !== "undefined" && source instanceof Response) {
    const n = name ?? (source.url || "response");
    return { bytes: await readResponse(source, n), name: n };
  }
  if (typeof Blob !== "undefined" && source instanceof Blob) {
    const n = name ?? ((source as { name?: string }).name || "blob");
    return { bytes: new Uint8Array(await source.arrayBuffer()), name: n };
  }
  if (source instanceof URL) {
    const n = name ?? source.href;
    if (source.protocol === "file:" && !isBrowser()) return { bytes: await readPath(source, n), name: n };
    return { bytes: await fetchUrl(source.href, n), name: n };
  }
  if (typeof source === "string") {
    const { path, key } = splitKeySuffix(source);
    const n = name ?? path;
    const result: ResolvedSource = isUrlString(path)
      ? /^file:/i.test(path) && !isBrowser()
        ? { bytes: await readPath(new URL(path), n), name: n }
        : { bytes: await fetchUrl(path, n), name: n }
      : isBrowser()
      ? { bytes: await fetchUrl(path, n), name: n }
      : { bytes: await readPath(path, n), name: n };
    if (key !== undefined) result.key = key;
    return result;
  }
  throw new BrainfitIOError(
    "SOURCE_UNSUPPORTED",
    `cannot read from a ${describe(source)}; pass a path, URL, Response, Blob, ArrayBuffer or Uint8Array`,
  );
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}

/** True in a browser-like runtime without a filesystem (window/worker, no Node/Deno/Bun). */
export function isBrowser(): boolean {
  const g = globalThis as {
    window?: unknown;
    importScripts?: unknown;
    process?: { versions?: { node?: string } };
    Deno?: unknown;
    Bun?: unknown;
  };
  if (g.Deno || g.Bun || g.process?.versions?.node) return false;
  return g.window !== undefined || typeof g.importScripts === "function";
}

function dirOf(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i > 0 ? path.slice(0, i) : i === 0 ? path.slice(0, 1) : ".";
}

export interface SaveFileOptions {
  /** Create missing parent directories (default true). */
  mkdir?: boolean;
}

/**
 * Writes bytes to a file atomically (Node, Deno, Bun): the data goes to a temporary file in the
 * same directory, is flushed to disk, then renamed over the target, so the target is either
 * the old file or the complete new one — never a partial write.
 *
 * @example
 * ```ts
 * import { saveFile, writeNpy, ndarray } from "brainfit/io";
 * await saveFile("out/x.npy", writeNpy(ndarray(new Float64Array(3), [3]))); // atomic: no half-written file
 * ```
 */
export async function saveFile(path: string | URL, bytes: Uint8Array | string, opts: SaveFileOptions = {}): Promise<void> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const fs = await fsPromises();
  const target = typeof path === "string" ? path : decodeURIComponent(path.pathname);
  if (path instanceof URL && path.protocol !== "file:") {
    throw new BrainfitIOError("WRITE_FAILED", `cannot save to ${path.href}; saveFile writes local files only`);
  }
  if (opts.mkdir ?? true) await fs.mkdir(dirOf(target), { recursive: true }).catch(() => undefined);
  const tmp = `${target}.tmp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    const fh = await fs.open(tmp, "wx", 0o644);
    try {
      let off = 0;
      while (off < data.length) {
        const { bytesWritten } = await fh.write(data, off, data.length - off, null);
        if (bytesWritten <= 0) throw new Error("write returned 0 bytes");
        off += bytesWritten;
      }
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new BrainfitIOError(
      "WRITE_FAILED",
      `could not write the file (${(e as Error).message}); check the directory exists and is writable`,
      { source: target, cause: e },
    );
  }
}
