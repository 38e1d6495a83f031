// Philox4x32-10 (Salmon et al. 2011, Random123), the counter-based generator every backend
// uses: the same (key, counter) gives the same four 32-bit words in TS, WGSL and
// AssemblyScript, so noise is never stored and backends can be compared draw by draw.
//
// Keying used by brainfit: key = (seed, stream), counter = (step, node, channel >> 2, 0).
// One call yields the normals of four noise channels of one node at one step.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32, with 16-bit limbs (no BigInt, no overflow). */
export function mulhi32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const ll = a0 * b0, hl = a1 * b0, lh = a0 * b1;
  const carry = ((ll >>> 16) + (hl & 0xffff) + (lh & 0xffff)) >>> 16;
  return (a1 * b1 + (hl >>> 16) + (lh >>> 16) + carry) >>> 0;
}

/** Philox4x32 with 10 rounds. Writes 4 words to out (default: a new Uint32Array). */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array = new Uint32Array(4),
): Uint32Array {
  c0 >>>= 0;
  c1 >>>= 0;
  c2 >>>= 0;
  c3 >>>= 0;
  k0 >>>= 0;
  k1 >>>= 0;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

/**
 * A 32-bit word to a uniform in (0, 1) from its top 24 bits: ((w >>> 8) + 0.5) · 2^-24, exact in
 * float64, never 0 or 1. The f32 kernels round the + 0.5 for w >>> 8 ≥ 2^23 (half an ulp at most;
 * the WGSL kernel takes log u exactly there), which the cross-backend tolerance covers.
 */
export function uniform24(word: number): number {
  return ((word >>> 8) + 0.5) * 5.9604644775390625e-8; // 2^-24
}

const TWO_PI = 6.283185307179586;

/**
 * Four standard normals for channels 4·block … 4·block+3 of (seed, stream, node, step):
 * Box–Muller on word pairs (0,1) and (2,3).
 */
export function normals4(
  seed: number,
  stream: number,
  node: number,
  step: number,
  block: number,
  out: Float64Array = new Float64Array(4),
  words: Uint32Array = new Uint32Array(4),
): Float64Array {
  philox4x32(step, node, block, 0, seed, stream, words);
  for (let p = 0; p < 2; p++) {
    const r = Math.sqrt(-2 * Math.log(uniform24(words[2 * p]!)));
    const th = TWO_PI * uniform24(words[2 * p + 1]!);
    out[2 * p] = r * Math.cos(th);
    out[2 * p + 1] = r * Math.sin(th);
  }
  return out;
}
