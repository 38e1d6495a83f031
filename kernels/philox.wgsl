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

// log(uniform24(w)) without the f32 rounding of uniform24: for w >> 8 >= 2^23 the uniform
// u = 1 − v is not representable, but v is, and log(1 − v) is taken from v directly (series
// for small v, Goldberg's log1p correction otherwise), so r = √(−2 log u) keeps its relative
// accuracy even for u next to 1.
fn philox_log_uniform24(w: u32) -> f32 {
  let k = w >> 8u;
  if (k < 0x800000u) {
    return log((f32(k) + 0.5) * 5.9604644775390625e-8);
  }
  let v = (f32(0xffffffu - k) + 0.5) * 5.9604644775390625e-8;
  if (v < 0.015625) {
    // −(v + v²/2 + v³/3 + v⁴/4): the next term is below 2^-24 of the sum for v < 1/64.
    return -v * (1.0 + v * (0.5 + v * (0.3333333333333333 + v * 0.25)));
  }
  let y = 1.0 - v;
  return log(y) * (-v) / (y - 1.0);
}

// 2π(u − ½) for u = uniform24(w), exactly up to the final product: (w >> 8) − 2^23 + ½ is exact.
fn philox_centered_angle(w: u32) -> f32 {
  let k = i32(w >> 8u) - 8388608;
  return 6.283185307179586 * ((f32(k) + 0.5) * 5.9604644775390625e-8);
}

// Four standard normals for channels 4·block … 4·block+3 of (seed, stream, node, step):
// Box–Muller on the word pairs (0, 1) and (2, 3), as normals4 in philox.ts. The angle is
// taken as 2π(u − ½) ∈ (−π, π) with cos θ = −cos(θ − π), sin θ = −sin(θ − π): WGSL only bounds
// the error of sin/cos on [−π, π], so this keeps GPU drivers with fast trigonometry accurate.
fn philox_normals4(seed: u32, stream: u32, node: u32, step: u32, block: u32) -> vec4<f32> {
  let w = philox4x32_10(vec4<u32>(step, node, block, 0u), vec2<u32>(seed, stream));
  let r0 = sqrt(-2.0 * philox_log_uniform24(w.x));
  let p0 = philox_centered_angle(w.y);
  let r1 = sqrt(-2.0 * philox_log_uniform24(w.z));
  let p1 = philox_centered_angle(w.w);
  return vec4<f32>(-r0 * cos(p0), -r0 * sin(p0), -r1 * cos(p1), -r1 * sin(p1));
}
