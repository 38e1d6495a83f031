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
  const len4 = len & ~3;
  for (let i = 0; i < nRows; i++) {
    const s = src + ((<usize>i * <usize>srcStride + <usize>start) << 2);
    const d = dst + ((<usize>i * <usize>dstStride) << 2);
    // Sum and sum of squared deviations in f64x2 (two lanes each from the low and high halves).
    let acc = f64x2.splat(0);
    let t = 0;
    for (; t < len4; t += 4) {
      const x = v128.load(s + (<usize>t << 2));
      acc = f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(v128.swizzle(x, i8x16(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)))));
    }
    let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; t < len; t++) sum += <f64>load<f32>(s + (<usize>t << 2));
    const m = sum / <f64>len;
    const mv = f64x2.splat(m);
    let sq = f64x2.splat(0);
    for (t = 0; t < len4; t += 4) {
      const x = v128.load(s + (<usize>t << 2));
      const lo = f64x2.sub(f64x2.promote_low_f32x4(x), mv);
      const hi = f64x2.sub(f64x2.promote_low_f32x4(v128.swizzle(x, i8x16(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))), mv);
      sq = f64x2.add(sq, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
    }
    let ss = f64x2.extract_lane(sq, 0) + f64x2.extract_lane(sq, 1);
    for (; t < len; t++) {
      const x = <f64>load<f32>(s + (<usize>t << 2)) - m;
      ss += x * x;
    }
    const inv = 1.0 / Math.sqrt(ss);
    // (x − m)·inv in f32: |x − m| is O(1) here (the driver passes centred / z-scored series).
    const mf = f32x4.splat(<f32>m);
    const invf = f32x4.splat(<f32>inv);
    for (t = 0; t < len4; t += 4) v128.store(d + (<usize>t << 2), f32x4.mul(f32x4.sub(v128.load(s + (<usize>t << 2)), mf), invf));
    for (; t < len; t++) store<f32>(d + (<usize>t << 2), <f32>((<f64>load<f32>(s + (<usize>t << 2)) - m) * inv));
    for (; t < dstStride; t++) store<f32>(d + (<usize>t << 2), 0);
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
  let k = 0;
  while (k < nPairs) {
    const p = pairs + (<usize>k << 3);
    const row = load<i32>(p);
    // Pairs are sorted by row: when pair k + 3 has the same row, so do k + 1 and k + 2, and row a
    // is loaded once for four dot products.
    if (k + 3 < nPairs && load<i32>(p, 24) == row) {
      const a = u + <usize>row * rowBytes;
      const b0 = u + <usize>load<i32>(p, 4) * rowBytes;
      const b1 = u + <usize>load<i32>(p, 12) * rowBytes;
      const b2 = u + <usize>load<i32>(p, 20) * rowBytes;
      const b3 = u + <usize>load<i32>(p, 28) * rowBytes;
      let s0 = f32x4.splat(0);
      let s1 = f32x4.splat(0);
      let s2 = f32x4.splat(0);
      let s3 = f32x4.splat(0);
      for (let t = 0; t < stride; t += 4) {
        const o = <usize>t << 2;
        const x = v128.load(a + o);
        s0 = f32x4.add(s0, f32x4.mul(x, v128.load(b0 + o)));
        s1 = f32x4.add(s1, f32x4.mul(x, v128.load(b1 + o)));
        s2 = f32x4.add(s2, f32x4.mul(x, v128.load(b2 + o)));
        s3 = f32x4.add(s3, f32x4.mul(x, v128.load(b3 + o)));
      }
      const q = out + (<usize>k << 2);
      store<f32>(q, <f32>clip1(<f64>hsum(s0)));
      store<f32>(q, <f32>clip1(<f64>hsum(s1)), 4);
      store<f32>(q, <f32>clip1(<f64>hsum(s2)), 8);
      store<f32>(q, <f32>clip1(<f64>hsum(s3)), 12);
      k += 4;
    } else {
      const a = u + <usize>row * rowBytes;
      const b = u + <usize>load<i32>(p, 4) * rowBytes;
      store<f32>(out + (<usize>k << 2), <f32>clip1(<f64>dot(a, b, stride)));
      k++;
    }
  }
  for (k = nPairs; k < outStride; k++) store<f32>(out + (<usize>k << 2), 0);
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
 * columns (two rows a against four rows b per pass), partial sums added in f64 into out.
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
    const n = min(c0 + CHUNK, stride) - c0;
    const off = <usize>c0 << 2;
    // Two rows a, a + 1 against four rows b per pass: 8 f32x4 accumulators, 6 loads per 8 products.
    for (let a = 1; a < nRows; a += 2) {
      const ra = rows + <usize>a * rowBytes + off;
      const rc = ra + rowBytes;
      const two = a + 1 < nRows;
      const baseA = out + ((<usize>((a * (a - 1)) >> 1)) << 3);
      const baseC = out + ((<usize>(((a + 1) * a) >> 1)) << 3);
      let b = 0;
      if (two) {
        for (; b + 3 < a; b += 4) {
          const r0 = rows + <usize>b * rowBytes + off;
          const r1 = r0 + rowBytes;
          const r2 = r1 + rowBytes;
          const r3 = r2 + rowBytes;
          let s0 = f32x4.splat(0);
          let s1 = f32x4.splat(0);
          let s2 = f32x4.splat(0);
          let s3 = f32x4.splat(0);
          let t0 = f32x4.splat(0);
          let t1 = f32x4.splat(0);
          let t2 = f32x4.splat(0);
          let t3 = f32x4.splat(0);
          for (let k = 0; k < n; k += 4) {
            const o = <usize>k << 2;
            const x = v128.load(ra + o);
            const y = v128.load(rc + o);
            const v0 = v128.load(r0 + o);
            s0 = f32x4.add(s0, f32x4.mul(x, v0));
            t0 = f32x4.add(t0, f32x4.mul(y, v0));
            const v1 = v128.load(r1 + o);
            s1 = f32x4.add(s1, f32x4.mul(x, v1));
            t1 = f32x4.add(t1, f32x4.mul(y, v1));
            const v2 = v128.load(r2 + o);
            s2 = f32x4.add(s2, f32x4.mul(x, v2));
            t2 = f32x4.add(t2, f32x4.mul(y, v2));
            const v3 = v128.load(r3 + o);
            s3 = f32x4.add(s3, f32x4.mul(x, v3));
            t3 = f32x4.add(t3, f32x4.mul(y, v3));
          }
          const p = baseA + (<usize>b << 3);
          store<f64>(p, load<f64>(p) + <f64>hsum(s0));
          store<f64>(p, load<f64>(p, 8) + <f64>hsum(s1), 8);
          store<f64>(p, load<f64>(p, 16) + <f64>hsum(s2), 16);
          store<f64>(p, load<f64>(p, 24) + <f64>hsum(s3), 24);
          const q = baseC + (<usize>b << 3);
          store<f64>(q, load<f64>(q) + <f64>hsum(t0));
          store<f64>(q, load<f64>(q, 8) + <f64>hsum(t1), 8);
          store<f64>(q, load<f64>(q, 16) + <f64>hsum(t2), 16);
          store<f64>(q, load<f64>(q, 24) + <f64>hsum(t3), 24);
        }
      }
      for (let bb = b; bb < a; bb++) {
        const p = baseA + (<usize>bb << 3);
        store<f64>(p, load<f64>(p) + <f64>dot(ra, rows + <usize>bb * rowBytes + off, n));
      }
      if (two) {
        for (let bb = b; bb <= a; bb++) {
          const q = baseC + (<usize>bb << 3);
          store<f64>(q, load<f64>(q) + <f64>dot(rc, rows + <usize>bb * rowBytes + off, n));
        }
      }
    }
  }
  for (let k = 0; k < nOut; k++) store<f64>(out + (<usize>k << 3), clip1(load<f64>(out + (<usize>k << 3))));
}

/**
 * cuBNM's outlier handling on one series (src: f64, nNodes x nTime), as zscoreNonOutlierVolumes in
 * src/stats/fc.ts and in the same summation order, so the exact-zero tests agree bit for bit:
 * outlier[t] = 1 where the column sum of src is exactly 0; other volumes are z-scored per node (ddof 0)
 * over the non-outlier volumes, outlier volumes keep their values; the result goes to dst as f32.
 * zeroColumn[t] = 1 where the column sum of the processed (f64) series is exactly 0 (FCD's window
 * outlier test). colSum is nTime f64 of scratch. Returns the number of outlier volumes.
 */
export function zscoreVolumes(src: usize, nNodes: i32, nTime: i32, dst: usize, outlier: usize, zeroColumn: usize, colSum: usize): i32 {
  for (let t = 0; t < nTime; t++) store<f64>(colSum + (<usize>t << 3), 0);
  for (let i = 0; i < nNodes; i++) {
    const s = src + ((<usize>i * <usize>nTime) << 3);
    for (let t = 0; t < nTime; t++) {
      const c = colSum + (<usize>t << 3);
      store<f64>(c, load<f64>(c) + load<f64>(s + (<usize>t << 3)));
    }
  }
  let nOutliers = 0;
  for (let t = 0; t < nTime; t++) {
    const o: u8 = load<f64>(colSum + (<usize>t << 3)) == 0 ? 1 : 0;
    store<u8>(outlier + <usize>t, o);
    nOutliers += o;
    store<f64>(colSum + (<usize>t << 3), 0);
  }
  const nValid = <f64>(nTime - nOutliers);
  for (let i = 0; i < nNodes; i++) {
    const s = src + ((<usize>i * <usize>nTime) << 3);
    const d = dst + ((<usize>i * <usize>nTime) << 2);
    let sum: f64 = 0;
    for (let t = 0; t < nTime; t++) if (!load<u8>(outlier + <usize>t)) sum += load<f64>(s + (<usize>t << 3));
    const m = sum / nValid;
    let ss: f64 = 0;
    for (let t = 0; t < nTime; t++) {
      if (!load<u8>(outlier + <usize>t)) {
        const x = load<f64>(s + (<usize>t << 3)) - m;
        ss += x * x;
      }
    }
    const sd = Math.sqrt(ss / nValid);
    for (let t = 0; t < nTime; t++) {
      const x = load<f64>(s + (<usize>t << 3));
      const z = load<u8>(outlier + <usize>t) ? x : (x - m) / sd;
      store<f32>(d + (<usize>t << 2), <f32>z);
      const c = colSum + (<usize>t << 3);
      store<f64>(c, load<f64>(c) + z);
    }
  }
  for (let t = 0; t < nTime; t++) store<u8>(zeroColumn + <usize>t, load<f64>(colSum + (<usize>t << 3)) == 0 ? 1 : 0);
  return nOutliers;
}

/** Each row of src (f64, nRows x nTime) minus its f64 mean, as f32 into dst (so large offsets lose no precision). */
export function centreRows(src: usize, nRows: i32, nTime: i32, dst: usize): void {
  for (let i = 0; i < nRows; i++) {
    const s = src + ((<usize>i * <usize>nTime) << 3);
    const d = dst + ((<usize>i * <usize>nTime) << 2);
    let sum: f64 = 0;
    for (let t = 0; t < nTime; t++) sum += load<f64>(s + (<usize>t << 3));
    const m = sum / <f64>nTime;
    for (let t = 0; t < nTime; t++) store<f32>(d + (<usize>t << 2), <f32>(load<f64>(s + (<usize>t << 3)) - m));
  }
}
