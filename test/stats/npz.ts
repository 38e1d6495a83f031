// Test-only .npz reader (fflate unzip + minimal .npy header parse) so the stats tests do not depend on src/io.
import { readFileSync } from "node:fs";
import { unzipSync } from "fflate";

export interface NpyArray {
  data: Float64Array;
  shape: number[];
}

export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== "NUMPY") throw new Error("not an .npy file");
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1] === "True";
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? "";
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (descr !== "<f8") throw new Error(`test npz reader supports only little-endian float64, got ${descr}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLen;
  // Copy into an aligned buffer: the payload offset inside the zip entry need not be a multiple of 8.
  const raw = new Float64Array(new Uint8Array(bytes.subarray(start, start + count * 8)).buffer);
  if (!fortran || shape.length < 2) return { data: raw, shape };
  if (shape.length !== 2) throw new Error("test npz reader handles Fortran order only for 2-D arrays");
  // Column-major to row-major.
  const [rows, cols] = shape as [number, number];
  const data = new Float64Array(count);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) data[i * cols + j] = raw[j * rows + i]!;
  return { data, shape };
}

export function readNpz(file: string): Record<string, NpyArray> {
  const entries = unzipSync(new Uint8Array(readFileSync(file)));
  const out: Record<string, NpyArray> = {};
  for (const [name, bytes] of Object.entries(entries)) out[name.replace(/\.npy$/, "")] = parseNpy(bytes);
  return out;
}
