// Philox4x32-10 over four simulation lanes at once (one key per lane, one shared counter),
// bit-identical to src/noise/philox.ts and kernels/philox.wgsl, plus Box–Muller normals.

// (AssemblyScript source: v128, f32x4 … are compiler builtins; not part of the TypeScript build)
import { cosOfParts, cosOut, cosPoly, logPositive, octant, reduce, sincosInline, sinOfParts, sinOut, sinPoly } from "./vmath";

const M0: u32 = 0xd2511f53;
const M1: u32 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;

// Philox output words and Box–Muller normals of the last call, one v128 each (4 lanes).
export let w0: v128 = i32x4.splat(0);
export let w1: v128 = i32x4.splat(0);
export let w2: v128 = i32x4.splat(0);
export let w3: v128 = i32x4.splat(0);
export let z0: v128 = f32x4.splat(0);
export let z1: v128 = f32x4.splat(0);
export let z2: v128 = f32x4.splat(0);
export let z3: v128 = f32x4.splat(0);

// m · c for each u32 lane as the two u64 products of lanes 0, 1 (p01) and 2, 3 (p23): the high
// words are mulhi, the low words i32x4.mul (one shuffle instead of a second multiply).
@inline function prod01(m: v128, c: v128): v128 {
  return i64x2.extmul_low_i32x4_u(m, c);
}
@inline function prod23(m: v128, c: v128): v128 {
  return i64x2.extmul_high_i32x4_u(m, c);
}
@inline function highWords(p01: v128, p23: v128): v128 {
  return v128.shuffle<i32>(p01, p23, 1, 3, 5, 7);
}
@inline function lowWords(p01: v128, p23: v128): v128 {
  return v128.shuffle<i32>(p01, p23, 0, 2, 4, 6);
}

@inline function mulhiScalar(m: u32, c: u32): u32 {
  return <u32>((<u64>m * <u64>c) >> 32);
}

/**
 * Philox4x32-10 with counter (c0, c1, c2, 0) and keys k0, k1 per lane; c0 and c2 are shared by
 * the lanes, c1 is per lane (the node: lanes are either simulations at one node, or four nodes
 * of simulations that share one key). Inlined and unrolled: it is most of the per-node cost
 * outside the coupling sum. Because c0 and c2 are the same in every lane, round 1's products
 * are scalars, and only its XORs are per lane.
 */
@inline function philoxC1(c0s: u32, c1v: v128, c2s: u32, k0: v128, k1: v128): void {
  const m0 = i32x4.splat(M0), m1 = i32x4.splat(M1);
  const bw0 = i32x4.splat(W0), bw1 = i32x4.splat(W1);
  // Round 1 (c3 = 0).
  let c0 = v128.xor(v128.xor(i32x4.splat(mulhiScalar(M1, c2s)), c1v), k0);
  let c1 = i32x4.splat(M1 * c2s);
  let c2 = v128.xor(i32x4.splat(mulhiScalar(M0, c0s)), k1);
  let c3 = i32x4.splat(M0 * c0s);
  // Rounds 2–10.
  for (let r = 1; r < 10; r++) {
    k0 = i32x4.add(k0, bw0);
    k1 = i32x4.add(k1, bw1);
    const p0a = prod01(m0, c0), p0b = prod23(m0, c0);
    const p1a = prod01(m1, c2), p1b = prod23(m1, c2);
    const n0 = v128.xor(v128.xor(highWords(p1a, p1b), c1), k0);
    const n2 = v128.xor(v128.xor(highWords(p0a, p0b), c3), k1);
    c0 = n0; c1 = lowWords(p1a, p1b); c2 = n2; c3 = lowWords(p0a, p0b);
  }
  w0 = c0; w1 = c1; w2 = c2; w3 = c3;
}

/** Philox4x32-10 with counter (c0, c1, c2, 0) shared by the lanes and keys k0, k1 per lane. */
@inline export function philox(c0s: u32, c1s: u32, c2s: u32, k0: v128, k1: v128): void {
  philoxC1(c0s, i32x4.splat(c1s), c2s, k0, k1);
}

@inline function uniform24(w: v128): v128 {
  const u = f32x4.convert_i32x4_u(i32x4.shr_u(w, 8));
  return f32x4.mul(f32x4.add(u, f32x4.splat(0.5)), f32x4.splat(5.9604644775390625e-8));
}

// Box–Muller's radius √(−2 ln u) and angle 2πu of a pair of Philox words.
@inline function radius(w: v128): v128 {
  return f32x4.sqrt(f32x4.mul(f32x4.splat(-2.0), logPositive(uniform24(w))));
}
@inline function angle(w: v128): v128 {
  return f32x4.mul(f32x4.splat(6.283185307179586), uniform24(w));
}

/** Box–Muller on the last Philox words: z0, z1 from (w0, w1), and z2, z3 from (w2, w3) when `both`. */
@inline function boxMuller(both: bool): void {
  const r01 = radius(w0);
  sincosInline(angle(w1));
  z0 = f32x4.mul(r01, cosOut);
  z1 = f32x4.mul(r01, sinOut);
  if (both) {
    const r23 = radius(w2);
    sincosInline(angle(w3));
    z2 = f32x4.mul(r23, cosOut);
    z3 = f32x4.mul(r23, sinOut);
  }
}

/**
 * boxMuller's arithmetic on one pair of words (radius from wr, angle from wt) in registers:
 * r·cos at out, and r·sin at out + stride when `sine`.
 */
@inline function boxMullerTo(wr: v128, wt: v128, out: usize, stride: usize, sine: bool): void {
  const r = radius(wr), t = angle(wt);
  const at = f32x4.abs(t);
  const j = octant(at);
  const rt = reduce(at, j);
  const z = f32x4.mul(rt, rt);
  const sp = sinPoly(rt, z), cp = cosPoly(z);
  v128.store(out, f32x4.mul(r, cosOfParts(j, sp, cp)));
  if (sine) v128.store(out + stride, f32x4.mul(r, sinOfParts(t, j, sp, cp)));
}

/** Normals per lane for (seed, stream) keys at (step, node, block): z0, z1, and z2, z3 when `both`. */
@inline export function normals4(step: u32, node: u32, block: u32, seeds: v128, streams: v128, both: bool): void {
  philox(step, node, block, seeds, streams);
  boxMuller(both);
}

/**
 * The same normals for nodes node0 … node0 + 3 of simulations that share one key (seed, stream):
 * lane k of z0 … z3 belongs to node node0 + k. Bit-identical to normals4 at each node, and one
 * call serves every lane of the group at four nodes (lanes with one key draw the same noise).
 */
@inline export function normals4Nodes(step: u32, node0: u32, block: u32, seed: v128, stream: v128, both: bool): void {
  philoxC1(step, i32x4.add(i32x4.splat(node0), i32x4(0, 1, 2, 3)), block, seed, stream);
  boxMuller(both);
}

/**
 * Philox4x32-10 at counter (c0s, c1a, c2s, 0) with keys (k0a, k1a) and at (c0s, c1b, c2s, 0)
 * with keys (k0b, k1b), then Box–Muller in registers: normal q < channels of chain a stored at
 * outA + q · stride, of chain b at outB + q · stride; the same bits as normals4. Philox's ten
 * rounds are one chain of dependent multiplies that leaves most of a core idle, so the two
 * draws run as two chains interleaved round by round.
 */
@inline function normalsTwoChainsTo(
  c0s: u32, c1a: v128, c1b: v128, c2s: u32, k0a: v128, k1a: v128, k0b: v128, k1b: v128,
  channels: i32, outA: usize, outB: usize, stride: usize,
): void {
  const m0 = i32x4.splat(M0), m1 = i32x4.splat(M1);
  const bw0 = i32x4.splat(W0), bw1 = i32x4.splat(W1);
  // Round 1 (c3 = 0): the products of the shared words c0, c2 are scalars.
  const h1 = i32x4.splat(mulhiScalar(M1, c2s)), h0 = i32x4.splat(mulhiScalar(M0, c0s));
  let a0 = v128.xor(v128.xor(h1, c1a), k0a), b0 = v128.xor(v128.xor(h1, c1b), k0b);
  let a1 = i32x4.splat(M1 * c2s), b1 = a1;
  let a2 = v128.xor(h0, k1a), b2 = v128.xor(h0, k1b);
  let a3 = i32x4.splat(M0 * c0s), b3 = a3;
  for (let r = 1; r < 10; r++) {
    k0a = i32x4.add(k0a, bw0);
    k1a = i32x4.add(k1a, bw1);
    k0b = i32x4.add(k0b, bw0);
    k1b = i32x4.add(k1b, bw1);
    const pa0 = prod01(m0, a0), pa1 = prod23(m0, a0), pa2 = prod01(m1, a2), pa3 = prod23(m1, a2);
    const pb0 = prod01(m0, b0), pb1 = prod23(m0, b0), pb2 = prod01(m1, b2), pb3 = prod23(m1, b2);
    const na0 = v128.xor(v128.xor(highWords(pa2, pa3), a1), k0a);
    const nb0 = v128.xor(v128.xor(highWords(pb2, pb3), b1), k0b);
    const na2 = v128.xor(v128.xor(highWords(pa0, pa1), a3), k1a);
    const nb2 = v128.xor(v128.xor(highWords(pb0, pb1), b3), k1b);
    a1 = lowWords(pa2, pa3); b1 = lowWords(pb2, pb3);
    a3 = lowWords(pa0, pa1); b3 = lowWords(pb0, pb1);
    a0 = na0; b0 = nb0; a2 = na2; b2 = nb2;
  }
  boxMullerTo(a0, a1, outA, stride, channels > 1);
  boxMullerTo(b0, b1, outB, stride, channels > 1);
  if (channels > 2) {
    boxMullerTo(a2, a3, outA + 2 * stride, stride, channels > 3);
    boxMullerTo(b2, b3, outB + 2 * stride, stride, channels > 3);
  }
}

/**
 * normals4Nodes at nodes node0 … node0 + 3 and node0 + 4 … node0 + 7 as two chains, stored:
 * normal q < channels of node node0 + k at out + q · stride + 4k.
 */
@inline export function normals8NodesTo(
  step: u32, node0: u32, block: u32, seed: v128, stream: v128, channels: i32, out: usize, stride: usize,
): void {
  const c1 = i32x4.add(i32x4.splat(node0), i32x4(0, 1, 2, 3));
  normalsTwoChainsTo(step, c1, i32x4.add(c1, i32x4.splat(4)), block, seed, stream, seed, stream, channels, out, out + 16, stride);
}

/**
 * normals4 at one node for two vectors of lanes (keys a and b) as two chains, stored: normal
 * q < channels of vector a at outA + 16q, of vector b at outB + 16q.
 */
@inline export function normals4x2To(
  step: u32, node: u32, block: u32, seedsA: v128, streamsA: v128, seedsB: v128, streamsB: v128,
  channels: i32, outA: usize, outB: usize,
): void {
  const c1 = i32x4.splat(node);
  normalsTwoChainsTo(step, c1, c1, block, seedsA, streamsA, seedsB, streamsB, channels, outA, outB, 16);
}

/**
 * normals4 at nodes node and node + 1 for one vector of lanes (keys seeds, streams) as two
 * chains, stored: normal q < channels of node at outA + 16q, of node + 1 at outB + 16q.
 */
@inline export function normals4Nodes2To(
  step: u32, node: u32, block: u32, seeds: v128, streams: v128, channels: i32, outA: usize, outB: usize,
): void {
  normalsTwoChainsTo(step, i32x4.splat(node), i32x4.splat(node + 1), block, seeds, streams, seeds, streams, channels, outA, outB, 16);
}
