// FFT of any length: iterative radix-2 for powers of two, Bluestein's chirp-z for the rest.
import { assertPositiveInteger } from "./errors.ts";

function isPowerOfTwo(n: number): boolean {
  return (n & (n - 1)) === 0;
}

/** In-place complex FFT of power-of-two size with precomputed twiddles (forward: exp(-2 pi i k / n)). */
class Radix2 {
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(readonly n: number) {
    const half = n >> 1;
    this.cos = new Float64Array(half);
    this.sin = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      // Angles straight from k (no recurrences) keep twiddles accurate to 1 ulp.
      const a = (2 * Math.PI * k) / n;
      this.cos[k] = Math.cos(a);
      this.sin[k] = -Math.sin(a);
    }
    this.rev = new Uint32Array(n);
    let bits = 0;
    while (1 << bits < n) bits++;
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  /** Transform (re, im) in place; inverse uses exp(+2 pi i k / n) without the 1/n factor. */
  transform(re: Float64Array, im: Float64Array, inverse = false): void {
    const { n, rev, cos } = this;
    const sign = inverse ? -1 : 1;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      if (j > i) {
        const tr = re[i]!;
        re[i] = re[j]!;
        re[j] = tr;
        const ti = im[i]!;
        im[i] = im[j]!;
        im[j] = ti;
      }
    }
    for (let size = 2; size <= n; size <<= 1) {
      const halfSize = size >> 1;
      const stride = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < halfSize; k++) {
          const wr = cos[k * stride]!;
          const wi = sign * this.sin[k * stride]!;
          const a = start + k;
          const b = a + halfSize;
          const xr = re[b]! * wr - im[b]! * wi;
          const xi = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a] = re[a]! + xr;
          im[a] = im[a]! + xi;
        }
      }
    }
  }
}

/** Forward complex DFT of any length n: X_k = sum_t x_t exp(-2 pi i k t / n). */
export class ComplexFft {
  private readonly radix2: Radix2 | null;
  // Bluestein state
  private readonly m: number = 0;
  private readonly inner: Radix2 | null = null;
  private readonly chirpRe: Float64Array = new Float64Array(0);
  private readonly chirpIm: Float64Array = new Float64Array(0);
  private readonly kernelRe: Float64Array = new Float64Array(0);
  private readonly kernelIm: Float64Array = new Float64Array(0);
  private readonly workRe: Float64Array = new Float64Array(0);
  private readonly workIm: Float64Array = new Float64Array(0);

  constructor(readonly n: number) {
    assertPositiveInteger(n, "FFT length");
    if (isPowerOfTwo(n)) {
      this.radix2 = new Radix2(n);
      return;
    }
    this.radix2 = null;
    let m = 1;
    while (m < 2 * n - 1) m <<= 1;
    this.m = m;
    this.inner = new Radix2(m);
    this.chirpRe = new Float64Array(n);
    this.chirpIm = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // exp(-i pi k^2 / n); reduce k^2 mod 2n exactly so the angle stays small and accurate.
      const r = (k * k) % (2 * n);
      const a = (Math.PI * r) / n;
      this.chirpRe[k] = Math.cos(a);
      this.chirpIm[k] = -Math.sin(a);
    }
    this.kernelRe = new Float64Array(m);
    this.kernelIm = new Float64Array(m);
    for (let k = 0; k < n; k++) {
      this.kernelRe[k] = this.chirpRe[k]!;
      this.kernelIm[k] = -this.chirpIm[k]!;
      if (k > 0) {
        this.kernelRe[m - k] = this.chirpRe[k]!;
        this.kernelIm[m - k] = -this.chirpIm[k]!;
      }
    }
    this.inner.transform(this.kernelRe, this.kernelIm);
    this.workRe = new Float64Array(m);
    this.workIm = new Float64Array(m);
  }

  /** Forward transform of (re, im) in place (arrays of length n). */
  forward(re: Float64Array, im: Float64Array): void {
    if (this.radix2) {
      this.radix2.transform(re, im);
      return;
    }
    const { n, m, chirpRe, chirpIm, kernelRe, kernelIm, workRe, workIm } = this;
    const inner = this.inner!;
    workRe.fill(0);
    workIm.fill(0);
    for (let k = 0; k < n; k++) {
      workRe[k] = re[k]! * chirpRe[k]! - im[k]! * chirpIm[k]!;
      workIm[k] = re[k]! * chirpIm[k]! + im[k]! * chirpRe[k]!;
    }
    inner.transform(workRe, workIm);
    for (let k = 0; k < m; k++) {
      const a = workRe[k]! * kernelRe[k]! - workIm[k]! * kernelIm[k]!;
      const b = workRe[k]! * kernelIm[k]! + workIm[k]! * kernelRe[k]!;
      workRe[k] = a;
      workIm[k] = b;
    }
    inner.transform(workRe, workIm, true);
    for (let k = 0; k < n; k++) {
      const cr = workRe[k]! / m;
      const ci = workIm[k]! / m;
      re[k] = cr * chirpRe[k]! - ci * chirpIm[k]!;
      im[k] = cr * chirpIm[k]! + ci * chirpRe[k]!;
    }
  }
}

/** Real-input FFT of any length: returns the n/2 + 1 non-negative-frequency bins (numpy.fft.rfft). */
export class RealFft {
  private readonly complex: ComplexFft;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  readonly nBins: number;

  constructor(readonly n: number) {
    this.complex = new ComplexFft(n);
    this.re = new Float64Array(n);
    this.im = new Float64Array(n);
    this.nBins = (n >> 1) + 1;
  }

  /** Transform `input` (length <= n; zero-padded to n) into outRe/outIm (length n/2 + 1). */
  forward(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
    const { re, im, n } = this;
    const len = Math.min(input.length, n);
    for (let i = 0; i < len; i++) re[i] = input[i]!;
    re.fill(0, len);
    im.fill(0);
    this.complex.forward(re, im);
    for (let k = 0; k < this.nBins; k++) {
      outRe[k] = re[k]!;
      outIm[k] = im[k]!;
    }
  }
}

/** numpy.fft.rfft(x, n): convenience wrapper returning { re, im } of length n/2 + 1. */
export function rfft(x: ArrayLike<number>, n = x.length): { re: Float64Array; im: Float64Array } {
  const plan = new RealFft(n);
  const re = new Float64Array(plan.nBins);
  const im = new Float64Array(plan.nBins);
  plan.forward(x, re, im);
  return { re, im };
}
