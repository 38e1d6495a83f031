// The network of the runtime smoke tests (Deno, Bun, browser: test/deno, test/browser/smoke-core.ts).

/** Ring of n nodes, each coupled to both neighbours with weight w (row = target; symmetric). */
export function ringWeights(n: number, w: number): Float64Array {
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    W[i * n + ((i + 1) % n)] = w;
    W[((i + 1) % n) * n + i] = w;
  }
  return W;
}
