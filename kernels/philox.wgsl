// Philox4x32-10 (Salmon et al. 2011, Random123), word for word as src/noise/philox.ts:
// the same (counter, key) gives the same four u32 on every backend. The high half of the
// 32×32 product uses 16-bit limbs, so no 64-bit integers (absent from WGSL) are needed.
// brainfit keying: key = (seed, stream), counter = (step, node, channel >> 2, 0).

const PHILOX_M0: u32 = 0xd2511f53u;
const PHILOX_M1: u32 = 0xcd9e8d57u;
const PHILOX_W0: u32 = 0x9e3779b9u;
const PHILOX_W1: u32 = 0xbb67ae85u;

fn philox_mulhi32(a: u32, b: u32) -> u32 {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let ll = a0 * b0;
  let hl = a1 * b0;
  let lh = a0 * b1;
  let carry = ((ll >> 16u) + (hl & 0xffffu) + (lh & 0xffffu)) >> 16u;
  return a1 * b1 + (hl >> 16u) + (lh >> 16u) + carry;
}

fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) {
      k = k + vec2<u32>(PHILOX_W0, PHILOX_W1);
    }
    let hi0 = philox_mulhi32(PHILOX_M0, c.x);
    let lo0 = PHILOX_M0 * c.x;
    let hi1 = philox_mulhi32(PHILOX_M1, c.z);
    let lo1 = PHILOX_M1 * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}

// A word to a uniform in (0, 1) from its top 24 bits: ((w >> 8) + 0.5) · 2^-24. In f32 the
// + 0.5 rounds for w >> 8 >= 2^23 (at most half an ulp, never to 0).
fn philox_uniform24(w: u32) -> f32 {
  return (f32(w >> 8u) + 0.5) * 5.9604644775390625e-8;
}

// log, sin and cos for Box–Muller from + and × only (Cephes' logf/sinf/cosf polynomials, about
// 1 ulp in f32): WGSL lets drivers compute the built-ins loosely (sin/cos to 2^-11 absolute on
// [−π, π]; SwiftShader's normals came out 1.5e-4 off with them), so the noise would otherwise
// depend on the adapter.

// log(1 + x) for x in [√½ − 1, √2 − 1], with x exact: no rounding of 1 + x.
fn philox_log1p_core(x: f32) -> f32 {
  let z = x * x;
  var y = 7.0376836292e-2;
  y = y * x - 1.1514610310e-1;
  y = y * x + 1.1676998740e-1;
  y = y * x - 1.2420140846e-1;
  y = y * x + 1.4249322787e-1;
  y = y * x - 1.6668057665e-1;
  y = y * x + 2.0000714765e-1;
  y = y * x - 2.4999993993e-1;
  y = y * x + 3.3333331174e-1;
  y = y * x * z;
  return x + (y - 0.5 * z);
}

// log(uniform24(w)) without rounding u: for w >> 8 < 2^23 the uniform is exact in f32; above,
// u = 1 − v is not representable but v is, and log(1 − v) comes from v directly while
// |log u| is small (v <= 0.29); beyond, rounding u costs at most 2^-25 / 0.34 relative.
// Branch-free (the cases are picked with select, one polynomial for all): the words are random,
// so on a GPU every subgroup would take every branch, and llvmpipe runs all of them masked.
// For x > 0: log x = log1p_core(m − 1) + e·ln 2 with x = m·2^e, m in [√½, √2); the v case is
// m − 1 = −v, e = 0, where the e terms add exact zeros.
fn philox_log_uniform24(w: u32) -> f32 {
  let k = w >> 8u;
  let v = (f32(0xffffffu - k) + 0.5) * 5.9604644775390625e-8;
  let near_one = k >= 0x800000u && v <= 0.29;
  let x = select(1.0 - v, (f32(k) + 0.5) * 5.9604644775390625e-8, k < 0x800000u);
  let fe = frexp(x); // x = fract · 2^exp, fract in [0.5, 1)
  let low = fe.fract < 0.70710678118654752;
  let m = select(fe.fract, fe.fract + fe.fract, low);
  let e = select(select(f32(fe.exp), f32(fe.exp) - 1.0, low), 0.0, near_one);
  let r = philox_log1p_core(select(m - 1.0, -v, near_one)); // m − 1 is exact (Sterbenz)
  return (r + e * -2.12194440e-4) + e * 0.693359375;
}

// 2π(u − ½) for u = uniform24(w), exactly up to the final product: (w >> 8) − 2^23 + ½ is exact.
fn philox_centered_angle(w: u32) -> f32 {
  let k = i32(w >> 8u) - 8388608;
  return 6.283185307179586 * ((f32(k) + 0.5) * 5.9604644775390625e-8);
}

// (sin a, cos a) for a in [−π, π]: a = q·π/2 + r with |r| <= π/4 (two-part π/2, exact
// for |q| <= 2), then the quadrant's signs.
fn philox_sincos(a: f32) -> vec2<f32> {
  let q = round(a * 0.63661977236758134);
  let r = (a - q * 1.5707963705062866) - q * -4.371139000186243e-8;
  let z = r * r;
  let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  // quadrant qi: (sin, cos) = (s, c), (c, −s), (−s, −c), (−c, s) for qi = 0, 1, 2, 3
  let qi = i32(q) & 3;
  let odd = (qi & 1) == 1;
  let sa = select(s, c, odd);
  let ca = select(c, s, odd);
  return vec2<f32>(select(sa, -sa, (qi & 2) == 2), select(ca, -ca, ((qi + 1) & 2) == 2));
}

// Four standard normals for channels 4·block … 4·block+3 of (seed, stream, node, step):
// Box–Muller on the word pairs (0, 1) and (2, 3), as normals4 in philox.ts. The angle is
// taken as 2π(u − ½) ∈ (−π, π) with cos θ = −cos(θ − π), sin θ = −sin(θ − π).
fn philox_normals4(seed: u32, stream: u32, node: u32, step: u32, block: u32) -> vec4<f32> {
  let w = philox4x32_10(vec4<u32>(step, node, block, 0u), vec2<u32>(seed, stream));
  let r0 = sqrt(-2.0 * philox_log_uniform24(w.x));
  let sc0 = philox_sincos(philox_centered_angle(w.y));
  let r1 = sqrt(-2.0 * philox_log_uniform24(w.z));
  let sc1 = philox_sincos(philox_centered_angle(w.w));
  return vec4<f32>(-r0 * sc0.y, -r0 * sc0.x, -r1 * sc1.y, -r1 * sc1.x);
}
