// Reproducible synthetic data for the statistics tests and benchmarks.

/** Small deterministic PRNG (mulberry32): uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * BOLD-like float32 series, B × nNodes × nTime: three slow AR(1) latent factors with random node
 * loadings plus white noise (the benches' workload).
 */
export function syntheticBold(B: number, nNodes: number, nTime: number, seed = 42): Float32Array {
  const u = mulberry32(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const data = new Float32Array(B * nNodes * nTime);
  for (let b = 0; b < B; b++) {
    const load = Array.from({ length: nNodes }, () => [g(), g(), g()]);
    const f = [0, 0, 0];
    for (let t = 0; t < nTime; t++) {
      for (let k = 0; k < 3; k++) f[k] = 0.9 * f[k]! + g();
      for (let i = 0; i < nNodes; i++) {
        const l = load[i]!;
        data[(b * nNodes + i) * nTime + t] = l[0]! * f[0]! + l[1]! * f[1]! + l[2]! * f[2]! + g();
      }
    }
  }
  return data;
}
