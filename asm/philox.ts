// Philox4x32-10 over four simulation lanes at once (one key per lane, one shared counter),
// bit-identical to src/noise/philox.ts and kernels/philox.wgsl, plus Box–Muller normals.

// (AssemblyScript source: v128, f32x4 … are compiler builtins; not part of the TypeScript build)
import { cosOut, sinOut, vlog, vsincos } from "./vmath";

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

/** High 32 bits of m · c for each u32 lane. */
@inline function mulhi(m: v128, c: v128): v128 {
  const lo = i64x2.extmul_low_i32x4_u(m, c);
  const hi = i64x2.extmul_high_i32x4_u(m, c);
  return v128.shuffle<i32>(lo, hi, 1, 3, 5, 7);
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
    const hi0 = mulhi(m0, c0), lo0 = i32x4.mul(m0, c0);
    const hi1 = mulhi(m1, c2), lo1 = i32x4.mul(m1, c2);
    const n0 = v128.xor(v128.xor(hi1, c1), k0);
    const n2 = v128.xor(v128.xor(hi0, c3), k1);
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
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

/** Box–Muller on the last Philox words: z0, z1 from (w0, w1), and z2, z3 from (w2, w3) when `both`. */
@inline function boxMuller(both: bool): void {
  const twoPi = f32x4.splat(6.283185307179586);
  const r01 = f32x4.sqrt(f32x4.mul(f32x4.splat(-2.0), vlog(uniform24(w0))));
  const t01 = f32x4.mul(twoPi, uniform24(w1));
  vsincos(t01);
  z0 = f32x4.mul(r01, cosOut);
  z1 = f32x4.mul(r01, sinOut);
  if (both) {
    const r23 = f32x4.sqrt(f32x4.mul(f32x4.splat(-2.0), vlog(uniform24(w2))));
    const t23 = f32x4.mul(twoPi, uniform24(w3));
    vsincos(t23);
    z2 = f32x4.mul(r23, cosOut);
    z3 = f32x4.mul(r23, sinOut);
  }
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
