// f32x4 kernels for batch FC / FCD (src/stats/wasm.ts drives them). All buffers live in the
// imported memory at byte offsets the driver chooses; rows of vectors are padded with zeros to a
// multiple of 4 floats ("stride") so every dot product is whole f32x4 loads.
// Means and norms are accumulated in f64; dot products in f32x4 (8 partial sums per dot, and the
// long FCD dots in chunks summed in f64), which keeps results within ~1e-5 of the f64 reference.

// (AssemblyScript source: v128, f32x4 … are compiler builtins; not part of the TypeScript build)

/** Rows of the FCD Gram matrix are processed in chunks of this many floats so they stay in cache. */
const CHUNK: i32 = 512;

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

@inline function clip1(r: f64): f64 {
  return r > 1.0 ? 1.0 : r < -1.0 ? -1.0 : r;
}

/**
 * Centre each of nRows rows of src (f32, row stride srcStride floats, samples [start, start + len))
 * and scale it to unit Euclidean norm, writing f32 rows of dstStride floats to dst; floats
 * [len, dstStride) are set to 0. A constant row gives NaNs (as the TypeScript code).
 */
export function normalizeRows(src: usize, srcStride: i32, start: i32, len: i32, nRows: i32, dst: usize, dstStride: i32): void {
  for (let i = 0; i < nRows; i++) {
    const s = src + ((<usize>i * <usize>srcStride + <usize>start) << 2);
    const d = dst + ((<usize>i * <usize>dstStride) << 2);
    let sum: f64 = 0;
    for (let t = 0; t < len; t++) sum += <f64>load<f32>(s + (<usize>t << 2));
    const m = sum / <f64>len;
    let ss: f64 = 0;
    for (let t = 0; t < len; t++) {
      const x = <f64>load<f32>(s + (<usize>t << 2)) - m;
      ss += x * x;
    }
    const inv = 1.0 / Math.sqrt(ss);
    for (let t = 0; t < len; t++) store<f32>(d + (<usize>t << 2), <f32>((<f64>load<f32>(s + (<usize>t << 2)) - m) * inv));
    for (let t = len; t < dstStride; t++) store<f32>(d + (<usize>t << 2), 0);
  }
}

/** f32x4 dot product of two rows of `stride` floats (a multiple of 4). */
@inline function dot(a: usize, b: usize, stride: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let k = 0;
  for (; k + 8 <= stride; k += 8) {
    const o = <usize>k << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  if (k < stride) {
    const o = <usize>k << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  return hsum(f32x4.add(s0, s1));
}

/**
 * Dot products of normalised rows u (row stride `stride`) for nPairs pairs (pairs: i32 row, i32 col
 * each), clipped to [-1, 1] and written as f32 to out; floats [nPairs, outStride) are set to 0.
 */
export function pairDots(u: usize, stride: i32, pairs: usize, nPairs: i32, out: usize, outStride: i32): void {
  const rowBytes = <usize>stride << 2;
  for (let k = 0; k < nPairs; k++) {
    const p = pairs + (<usize>k << 3);
    const a = u + <usize>load<i32>(p) * rowBytes;
    const b = u + <usize>load<i32>(p, 4) * rowBytes;
    store<f32>(out + (<usize>k << 2), <f32>clip1(<f64>dot(a, b, stride)));
  }
  for (let k = nPairs; k < outStride; k++) store<f32>(out + (<usize>k << 2), 0);
}

/**
 * Window FC triangles of one series z (f32, nNodes x nTime): for window w, samples
 * [starts[w], starts[w] + lens[w]) are normalised into u (nNodes x uStride) and the pair dots go
 * to row w of fc (nWin x fcStride f32, zero padded).
 */
export function windowFcs(
  z: usize, nNodes: i32, nTime: i32,
  starts: usize, lens: usize, nWin: i32,
  pairs: usize, nPairs: i32,
  u: usize, uStride: i32,
  fc: usize, fcStride: i32,
): void {
  for (let w = 0; w < nWin; w++) {
    const start = load<i32>(starts + (<usize>w << 2));
    const len = load<i32>(lens + (<usize>w << 2));
    normalizeRows(z, nTime, start, len, nNodes, u, uStride);
    pairDots(u, uStride, pairs, nPairs, fc + ((<usize>w * <usize>fcStride) << 2), fcStride);
  }
}

/**
 * Lower triangle (a > b, tril order) of the correlation matrix between the nRows rows (len valid
 * floats, row stride `stride`, zero padded) of `rows`, written as f64 to out. Rows are centred and
 * normalised in place (padding stays 0). The Gram matrix is accumulated chunk by chunk over the
 * columns, four rows b per pass against one row a, partial sums added in f64 into out.
 */
export function correlateRowsTril(rows: usize, nRows: i32, len: i32, stride: i32, out: usize): void {
  const rowBytes = <usize>stride << 2;
  for (let a = 0; a < nRows; a++) {
    const r = rows + <usize>a * rowBytes;
    let sum: f64 = 0;
    for (let k = 0; k < len; k++) sum += <f64>load<f32>(r + (<usize>k << 2));
    const m = sum / <f64>len;
    let ss: f64 = 0;
    for (let k = 0; k < len; k++) {
      const x = <f64>load<f32>(r + (<usize>k << 2)) - m;
      ss += x * x;
    }
    const inv = 1.0 / Math.sqrt(ss);
    for (let k = 0; k < len; k++) store<f32>(r + (<usize>k << 2), <f32>((<f64>load<f32>(r + (<usize>k << 2)) - m) * inv));
  }
  const nOut = (nRows * (nRows - 1)) >> 1;
  for (let k = 0; k < nOut; k++) store<f64>(out + (<usize>k << 3), 0);
  for (let c0 = 0; c0 < stride; c0 += CHUNK) {
    const c1 = min(c0 + CHUNK, stride);
    const off = <usize>c0 << 2;
    for (let a = 1; a < nRows; a++) {
      const ra = rows + <usize>a * rowBytes + off;
      const base = out + ((<usize>((a * (a - 1)) >> 1)) << 3);
      let b = 0;
      for (; b + 3 < a; b += 4) {
        const r0 = rows + <usize>b * rowBytes + off;
        const r1 = r0 + rowBytes;
        const r2 = r1 + rowBytes;
        const r3 = r2 + rowBytes;
        let s0 = f32x4.splat(0);
        let s1 = f32x4.splat(0);
        let s2 = f32x4.splat(0);
        let s3 = f32x4.splat(0);
        const n = c1 - c0;
        for (let k = 0; k < n; k += 4) {
          const o = <usize>k << 2;
          const x = v128.load(ra + o);
          s0 = f32x4.add(s0, f32x4.mul(x, v128.load(r0 + o)));
          s1 = f32x4.add(s1, f32x4.mul(x, v128.load(r1 + o)));
          s2 = f32x4.add(s2, f32x4.mul(x, v128.load(r2 + o)));
          s3 = f32x4.add(s3, f32x4.mul(x, v128.load(r3 + o)));
        }
        const p = base + (<usize>b << 3);
        store<f64>(p, load<f64>(p) + <f64>hsum(s0));
        store<f64>(p, load<f64>(p, 8) + <f64>hsum(s1), 8);
        store<f64>(p, load<f64>(p, 16) + <f64>hsum(s2), 16);
        store<f64>(p, load<f64>(p, 24) + <f64>hsum(s3), 24);
      }
      for (; b < a; b++) {
        const p = base + (<usize>b << 3);
        store<f64>(p, load<f64>(p) + <f64>dot(ra, rows + <usize>b * rowBytes + off, c1 - c0));
      }
    }
  }
  for (let k = 0; k < nOut; k++) store<f64>(out + (<usize>k << 3), clip1(load<f64>(out + (<usize>k << 3))));
}
