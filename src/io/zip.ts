// A small ZIP reader (central directory, zip64, stored and deflated members) on top of fflate's
// inflate, with size guards so a corrupt or hostile archive cannot force a giant allocation.
import { Gunzip, inflateSync, Unzlib, type Zippable, zipSync } from "fflate";
import { BrainfitIOError } from "./errors.ts";

/** One member of a ZIP archive. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
  encrypted: boolean;
}

/** Deflate cannot expand data by more than ~1032:1; larger claims are corrupt headers. */
const MAX_DEFLATE_RATIO = 1032;
/** Default ceiling on one decompressed member or MATLAB element. */
export const DEFAULT_MAX_BYTES = 2 ** 31;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

function u16(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8);
}
function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 2 ** 24;
}
function u64(b: Uint8Array, p: number): number {
  return u32(b, p) + u32(b, p + 4) * 2 ** 32;
}

/** Lists the members of a ZIP archive from its central directory. */
export function readZipDirectory(bytes: Uint8Array, source?: string): ZipEntry[] {
  const bad = (msg: string): never => {
    throw new BrainfitIOError("ZIP_BAD_ARCHIVE", `${msg}; the archive is truncated or corrupt (re-create it, e.g. with numpy.savez)`, {
      source,
    });
  };
  // End of central directory: 22 bytes plus a comment of up to 65535 bytes.
  let eocd = -1;
  for (let p = bytes.length - 22; p >= 0 && p >= bytes.length - 22 - 65535; p--) {
    if (bytes[p] === 0x50 && bytes[p + 1] === 0x4b && bytes[p + 2] === 5 && bytes[p + 3] === 6) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) bad("no end-of-central-directory record");
  let count = u16(bytes, eocd + 10);
  let cdSize = u32(bytes, eocd + 12);
  let cdOffset = u32(bytes, eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(bytes, loc) !== 0x07064b50) bad("zip64 archive without a zip64 locator");
    const z = u64(bytes, loc + 8);
    if (z + 56 > bytes.length || u32(bytes, z) !== 0x06064b50) bad("zip64 end-of-central-directory record is missing");
    count = u64(bytes, z + 32);
    cdSize = u64(bytes, z + 40);
    cdOffset = u64(bytes, z + 48);
  }
  if (cdOffset + cdSize > bytes.length) bad(`central directory (offset ${cdOffset}, ${cdSize} bytes) lies outside the file`);
  // Each central entry takes at least 46 bytes: guards `count` before looping.
  if (count * 46 > cdSize) bad(`central directory claims ${count} entries in ${cdSize} bytes`);
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  const decoder = new TextDecoder("utf-8");
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || u32(bytes, p) !== 0x02014b50) bad(`central directory entry ${i} is malformed`);
    const flags = u16(bytes, p + 8);
    const method = u16(bytes, p + 10);
    const crc32 = u32(bytes, p + 16);
    let compressedSize = u32(bytes, p + 20);
    let size = u32(bytes, p + 24);
    const nameLen = u16(bytes, p + 28);
    const extraLen = u16(bytes, p + 30);
    const commentLen = u16(bytes, p + 32);
    let localHeaderOffset = u32(bytes, p + 42);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdOffset + cdSize) bad(`central directory entry ${i} runs past the directory`);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information extra field (id 0x0001) holds the 64-bit values in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(bytes, e);
      const len = u16(bytes, e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const qEnd = Math.min(q + len, extraEnd);
        if (size === 0xffffffff && q + 8 <= qEnd) {
          size = u64(bytes, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff && q + 8 <= qEnd) {
          compressedSize = u64(bytes, q);
          q += 8;
        }
        if (localHeaderOffset === 0xffffffff && q + 8 <= qEnd) localHeaderOffset = u64(bytes, q);
      }
      e += 4 + len;
    }
    // Names lie outside the CRC: every member's local header must repeat the directory's name
    // (Python's zipfile checks this on open), or a renamed member would silently go missing.
    const lh = localHeaderOffset;
    if (!(lh + 30 <= bytes.length && u32(bytes, lh) === 0x04034b50)) {
      bad(`member ${JSON.stringify(name)}: its local header (at byte ${lh}) is missing`);
    }
    const localLen = u16(bytes, lh + 26);
    const local = lh + 30 + localLen <= bytes.length ? decoder.decode(bytes.subarray(lh + 30, lh + 30 + localLen)) : undefined;
    if (local !== name) {
      bad(`member name in the directory (${JSON.stringify(name)}) and in its local header (${JSON.stringify(local)}) differ`);
    }
    entries.push({ name, method, compressedSize, size, crc32, localHeaderOffset, encrypted: (flags & 1) !== 0 });
    p = end;
  }
  return entries;
}

let CRC_TABLE: Uint32Array | undefined;
/** CRC-32 (IEEE), as stored in ZIP headers. */
export function crc32(data: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  const t = CRC_TABLE;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Decompresses one member, verifying sizes and CRC. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, opts: { source?: string; maxBytes?: number } = {}): Uint8Array {
  const where = opts.source ? `${opts.source}:${entry.name}` : entry.name;
  const corrupt = (msg: string, cause?: unknown): never => {
    throw new BrainfitIOError("ZIP_CORRUPT_MEMBER", `${msg}; the archive is corrupt, re-create it`, { source: where, cause });
  };
  if (entry.encrypted) {
    throw new BrainfitIOError("ZIP_UNSUPPORTED", "member is encrypted; re-create the archive without a password", { source: where });
  }
  if (entry.method !== 0 && entry.method !== 8) {
    throw new BrainfitIOError(
      "ZIP_UNSUPPORTED",
      `member uses compression method ${entry.method}; only stored (0) and deflate (8) are supported — re-save with numpy.savez / savez_compressed or \`zip -Z deflate\``,
      { source: where },
    );
  }
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (entry.size > maxBytes) {
    throw new BrainfitIOError(
      "TOO_LARGE",
      `member claims ${entry.size} bytes uncompressed, above the limit of ${maxBytes}; raise {maxBytes} if this is intended`,
      { source: where },
    );
  }
  const lh = entry.localHeaderOffset;
  if (lh + 30 > bytes.length || u32(bytes, lh) !== 0x04034b50) corrupt("local header is missing");
  const nameLen = u16(bytes, lh + 26);
  // Names are outside the CRC; like Python's zipfile (so np.load), the local header's name must
  // match the directory's, which catches a corrupted name in either copy.
  if (lh + 30 + nameLen > bytes.length) corrupt("local header is truncated");
  const localName = bytes.subarray(lh + 30, lh + 30 + nameLen);
  const local = new TextDecoder("utf-8").decode(localName); // decoded as readZipDirectory decodes the directory's
  if (local !== entry.name) {
    corrupt(`member name in the directory (${JSON.stringify(entry.name)}) and in its local header (${JSON.stringify(local)}) differ`);
  }
  const dataStart = lh + 30 + nameLen + u16(bytes, lh + 28);
  if (dataStart + entry.compressedSize > bytes.length) {
    corrupt(`compressed data (${entry.compressedSize} bytes at ${dataStart}) runs past the end of the file`);
  }
  const comp = bytes.subarray(dataStart, dataStart + entry.compressedSize);
  let out: Uint8Array;
  if (entry.method === 0) {
    if (entry.size !== entry.compressedSize) corrupt(`stored member has size ${entry.size} but ${entry.compressedSize} bytes of data`);
    out = comp;
  } else {
    if (entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      corrupt(`member claims ${entry.size} bytes from ${entry.compressedSize} compressed bytes, more than deflate can produce`);
    }
    try {
      // A fixed-size output buffer bounds memory whatever the stream contains.
      out = inflateSync(comp, { out: new Uint8Array(entry.size) });
    } catch (e) {
      return corrupt(`deflate stream is invalid (${(e as Error).message})`, e);
    }
    if (out.length !== entry.size) corrupt(`inflated to ${out.length} bytes, header says ${entry.size}`);
  }
  if (crc32(out) !== entry.crc32) corrupt("CRC-32 mismatch");
  return out;
}

/** Builds a ZIP archive (stored or deflated members) with a fixed timestamp so output is reproducible. */
export function writeZip(members: Record<string, Uint8Array>, opts: { compress?: boolean; level?: number } = {}): Uint8Array {
  const level = (opts.compress ? (opts.level ?? 6) : 0) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  const files: Zippable = {};
  for (const [name, data] of Object.entries(members)) files[name] = [data, { level }];
  return zipSync(files, { mtime: new Date(1980, 0, 1, 0, 0, 0) });
}

/**
 * Inflates a zlib or gzip stream of unknown output size with a hard ceiling, in 64 KiB steps,
 * so a hostile stream cannot allocate more than `maxBytes`.
 */
export function inflateLimited(
  data: Uint8Array,
  kind: "zlib" | "gzip",
  maxBytes: number,
  source: string | undefined,
  format: "MAT" | "GZIP",
): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  const onData = (chunk: Uint8Array, final: boolean): void => {
    total += chunk.length;
    if (total > maxBytes) {
      throw new BrainfitIOError(
        "TOO_LARGE",
        `compressed data inflates to more than ${maxBytes} bytes; raise {maxBytes} if this is intended`,
        { source },
      );
    }
    chunks.push(chunk);
    if (final) done = true;
  };
  const stream = kind === "zlib" ? new Unzlib(onData) : new Gunzip(onData);
  const badCode = format === "MAT" ? "MAT_BAD_ELEMENT" : "ZIP_CORRUPT_MEMBER";
  const truncCode = format === "MAT" ? "MAT_TRUNCATED" : "ZIP_CORRUPT_MEMBER";
  try {
    const step = 1 << 16;
    if (data.length === 0) stream.push(new Uint8Array(0), true);
    for (let p = 0; p < data.length; p += step) {
      const end = Math.min(data.length, p + step);
      stream.push(data.subarray(p, end), end === data.length);
    }
  } catch (e) {
    if (e instanceof BrainfitIOError) throw e;
    throw new BrainfitIOError(
      badCode,
      `compressed data is not a valid ${kind} stream (${(e as Error).message}); the file is corrupt, re-save it`,
      { source, cause: e },
    );
  }
  if (!done) throw new BrainfitIOError(truncCode, `compressed data ends before its ${kind} stream does; the file is truncated`, { source });
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** True for gzip data (.gz). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 8;
}
