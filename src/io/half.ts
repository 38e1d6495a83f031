// IEEE 754 binary16 <-> number conversion (no Float16Array in Node 20).

/** Value of the half-precision number with bit pattern `h`. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Bit pattern of the half-precision number nearest to `x` (round half to even, overflow to ±inf). */
export function numberToHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a >= 65520) return sign | 0x7c00; // rounds to infinity
  if (a < 2 ** -25) {
    // below half the smallest subnormal: zero (exactly half rounds to even = 0)
    return sign;
  }
  let exp = Math.floor(Math.log2(a));
  if (2 ** exp > a) exp--; // guard log2 rounding
  if (2 ** (exp + 1) <= a) exp++;
  if (exp < -14) {
    // subnormal: units of 2^-24
    const m = roundHalfEven(a / 2 ** -24);
    return sign | m; // m may reach 1024, which is the smallest normal: still correct bits
  }
  let m = roundHalfEven((a / 2 ** exp - 1) * 1024);
  if (m === 1024) {
    m = 0;
    exp++;
  }
  if (exp > 15) return sign | 0x7c00;
  return sign | ((exp + 15) << 10) | m;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Rounds `x` to the nearest half-precision value. */
export function roundToHalf(x: number): number {
  return halfToNumber(numberToHalf(x));
}

/**
 * float32 bit pattern holding the half with bit pattern `h` exactly; NaNs keep their sign and
 * payload (shifted into the top of the float32 fraction), so float32BitsToHalfBits undoes it.
 */
export function halfBitsToFloat32Bits(h: number): number {
  if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) return (((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13)) >>> 0;
  const f = new Float32Array([halfToNumber(h)]);
  return new Uint32Array(f.buffer)[0]!;
}

/**
 * Half bit pattern for a float32 given by its bits (and value): NaNs keep sign and the top ten
 * payload bits, as numpy's npy_floatbits_to_halfbits does; other values round to nearest even.
 */
export function float32BitsToHalfBits(bits: number, value: number): number {
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) {
    let h = 0x7c00 | ((bits & 0x7fffff) >>> 13);
    if (h === 0x7c00) h++; // payload only in the low bits: stay a NaN
    return ((bits >>> 16) & 0x8000) | h;
  }
  return numberToHalf(value);
}
