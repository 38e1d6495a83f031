// f32x4 transcendental functions for the WASM SIMD integrator (WASM has no vector exp/log/sin).
// Cephes single-precision polynomials (Moshier), a few ulp from the f64 reference: well
// inside the float32 tolerance the cross-backend tests derive.

// (AssemblyScript source: v128, f32x4 … are compiler builtins; not part of the TypeScript build)

@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/**
 * exp, clamped to the finite float range; NaN propagates. pmin/pmax (one minps/maxps on x86,
 * where min/max with IEEE NaN rules take ~6 instructions) keep NaN when it is the first
 * operand, and the exponent's integer comes from the bits of n + 1.5·2^23 (n is a whole
 * number in [−126, 128], so this is exact) instead of trunc_sat, which V8 expands to ~7.
 */
export function vexp(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, splat(-87.3)), splat(88.3));
  const n = f32x4.nearest(f32x4.mul(x, splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, splat(-2.12194440e-4)));
  let p = splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), splat(1.0));
  const e = i32x4.shl(i32x4.sub(f32x4.add(n, splat(12582912.0)), i32x4.splat(0x4b400000 - 127)), 23);
  return f32x4.mul(y, e);
}

/**
 * Natural log of finite x > 0 (no special cases): vlog's arithmetic, inlined where the input is
 * known to be in range (Box–Muller's uniforms in (0, 1)).
 */
@inline export function logPositive(x: v128): v128 {
  const bits = x;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126));
  let m = v128.or(v128.and(bits, i32x4.splat(0x807fffff)), i32x4.splat(0x3f000000));
  const small = f32x4.lt(m, splat(0.707106781186547524));
  // m < √½: e −= 1, m = 2m − 1; else m = m − 1
  e = i32x4.add(e, small); // mask is −1 where true
  m = f32x4.sub(f32x4.add(m, v128.and(m, small)), splat(1.0));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let p = splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, m), splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, m), splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, m), splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, m), splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, m), splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, m), splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, m), splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, m), splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = f32x4.add(y, f32x4.mul(ef, splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, splat(0.5)));
  return f32x4.add(f32x4.add(m, y), f32x4.mul(ef, splat(0.693359375)));
}

/** Natural log: −inf at 0, NaN below 0 and for NaN. */
export function vlog(x: v128): v128 {
  let r = logPositive(x);
  // Special cases: x == +inf → +inf, x == 0 → −inf, x < 0 or NaN → NaN.
  r = v128.bitselect(x, r, f32x4.eq(x, splat(Infinity)));
  r = v128.bitselect(splat(-Infinity), r, f32x4.eq(x, splat(0.0)));
  r = v128.bitselect(splat(NaN), r, v128.not(f32x4.ge(x, splat(0.0))));
  return r;
}

@inline export function sinPoly(r: v128, z: v128): v128 {
  let p = splat(-1.9515295891e-4);
  p = f32x4.add(f32x4.mul(p, z), splat(8.3321608736e-3));
  p = f32x4.add(f32x4.mul(p, z), splat(-1.6666654611e-1));
  return f32x4.add(f32x4.mul(f32x4.mul(p, z), r), r);
}

@inline export function cosPoly(z: v128): v128 {
  let p = splat(2.443315711809948e-5);
  p = f32x4.add(f32x4.mul(p, z), splat(-1.388731625493765e-3));
  p = f32x4.add(f32x4.mul(p, z), splat(4.166664568298827e-2));
  return f32x4.add(f32x4.sub(f32x4.mul(f32x4.mul(p, z), z), f32x4.mul(z, splat(0.5))), splat(1.0));
}

// Cody–Waite reduction by π/4: j = even octant, r = |x| − j·π/4 in [−π/4, π/4].
@inline export function octant(ax: v128): v128 {
  const y = i32x4.trunc_sat_f32x4_s(f32x4.mul(ax, splat(1.27323954473516)));
  return i32x4.add(y, v128.and(y, i32x4.splat(1)));
}
@inline export function reduce(ax: v128, j: v128): v128 {
  const jf = f32x4.convert_i32x4_s(j);
  let r = f32x4.sub(ax, f32x4.mul(jf, splat(0.78515625)));
  r = f32x4.sub(r, f32x4.mul(jf, splat(2.4187564849853515625e-4)));
  return f32x4.sub(r, f32x4.mul(jf, splat(3.77489497744594108e-8)));
}

// sin and cos of the same argument share the reduction and both polynomials (Box–Muller): with
// j = octant(|x|), r = reduce(|x|, j), z = r², sp = sinPoly(r, z) and cp = cosPoly(z),
// sinOfParts and cosOfParts pick and sign them (callers that keep both in registers use these).
@inline export function sinOfParts(x: v128, j: v128, sp: v128, cp: v128): v128 {
  const odd = i32x4.ne(v128.and(j, i32x4.splat(2)), i32x4.splat(0));
  const sinFlip = v128.xor(i32x4.shl(v128.and(j, i32x4.splat(4)), 29), v128.and(x, i32x4.splat(0x80000000)));
  return v128.xor(v128.bitselect(cp, sp, odd), sinFlip);
}
@inline export function cosOfParts(j: v128, sp: v128, cp: v128): v128 {
  const odd = i32x4.ne(v128.and(j, i32x4.splat(2)), i32x4.splat(0));
  const jm = v128.and(j, i32x4.splat(6));
  const cosNeg = v128.or(i32x4.eq(jm, i32x4.splat(2)), i32x4.eq(jm, i32x4.splat(4)));
  return v128.xor(v128.bitselect(sp, cp, odd), v128.and(cosNeg, i32x4.splat(0x80000000)));
}
export let sinOut: v128 = f32x4.splat(0);
export let cosOut: v128 = f32x4.splat(0);
export function vsincos(x: v128): void {
  sincosInline(x);
}
/** vsincos inlined (Box–Muller's angles): the same bits, no call. */
@inline export function sincosInline(x: v128): void {
  const ax = f32x4.abs(x);
  const j = octant(ax);
  const r = reduce(ax, j);
  const z = f32x4.mul(r, r);
  const sp = sinPoly(r, z);
  const cp = cosPoly(z);
  sinOut = sinOfParts(x, j, sp, cp);
  cosOut = cosOfParts(j, sp, cp);
}

export function vsin(x: v128): v128 {
  vsincos(x);
  return sinOut;
}

export function vcos(x: v128): v128 {
  vsincos(x);
  return cosOut;
}

export function vtanh(x: v128): v128 {
  const ax = f32x4.min(f32x4.abs(x), splat(10.0));
  // large: 1 − 2/(e^{2|x|} + 1), sign restored
  const e2 = vexp(f32x4.add(ax, ax));
  let big = f32x4.sub(splat(1.0), f32x4.div(splat(2.0), f32x4.add(e2, splat(1.0))));
  big = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  // small (|x| < 0.625): odd polynomial
  const z = f32x4.mul(x, x);
  let p = splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const r = v128.bitselect(small, big, f32x4.lt(f32x4.abs(x), splat(0.625)));
  return v128.bitselect(x, r, f32x4.ne(x, x)); // NaN in → NaN out
}

export function vpow(x: v128, y: v128): v128 {
  return vexp(f32x4.mul(y, vlog(x)));
}
