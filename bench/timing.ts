// Timing helpers shared by the benches.

export interface Timed {
  /** Wall seconds. */
  wall: number;
  /** CPU seconds of the whole process (all threads, workers included). */
  cpu: number;
}

// A browser page has no process clock (bench/browser/wasm-entry.ts): there CPU seconds are NaN.
const cpuUsage = (globalThis as { process?: { cpuUsage: typeof process.cpuUsage } }).process?.cpuUsage;

/** Wall and process CPU seconds of one call (CPU NaN where the runtime has no process clock). */
export async function timed(f: () => Promise<unknown>): Promise<Timed> {
  const c0 = cpuUsage?.();
  const t0 = performance.now();
  await f();
  const wall = (performance.now() - t0) / 1000;
  const c = c0 && cpuUsage!(c0);
  return { wall, cpu: c ? (c.user + c.system) / 1e6 : NaN };
}

/**
 * Integration-only rates (work per wall second and per CPU second) of a call whose timing
 * includes set-up (planning, memory, handing work to threads): it runs `steps` and steps / 5,
 * and divides the difference in work by the difference in time, so the set-up cancels. That
 * is what a native yardstick that times its integration loop alone measures.
 */
export async function marginalRate(
  run: (steps: number) => Promise<unknown>,
  steps: number,
  workPerStep: number,
): Promise<{ wall: number; cpu: number }> {
  const short = Math.max(1, Math.round(steps / 5));
  const a = await timed(() => run(short));
  const b = await timed(() => run(steps));
  const work = (steps - short) * workPerStep;
  return { wall: work / Math.max(b.wall - a.wall, 1e-9), cpu: work / Math.max(b.cpu - a.cpu, 1e-9) };
}

/** Median of timings (the upper one of the middle two for an even count). */
export function median(xs: number[]): number {
  return xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
}
