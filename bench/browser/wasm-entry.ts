// Page side of bench/browser-wasm.bench.ts: the CPU throughput workload (bench/rww-setup.ts)
// on the wasm backend inside Chromium, timed like bench/timing.ts's marginalRate (N against N/5
// steps, so set-up cancels), wall time only (a page has no process CPU clock).
import type { NetworkInput } from "../../src/batch/network.ts";
import { simulateRwwBold } from "../rww-setup.ts";

interface BenchArgs {
  network: { weights: number[]; lengths?: number[]; speed?: number };
  wIE: number[];
  lanes: number;
  threads: number;
  steps: number;
}

async function marginalWallRate(a: BenchArgs): Promise<{ wall: number; info: string }> {
  const network: NetworkInput = {
    weights: Float64Array.from(a.network.weights),
    ...(a.network.lengths ? { lengths: Float64Array.from(a.network.lengths), speed: a.network.speed } : {}),
  };
  const wIE = Float64Array.from(a.wIE);
  const run = (steps: number) => simulateRwwBold({ network, wIE, lanes: a.lanes, steps, threads: a.threads });
  const short = Math.max(1, Math.round(a.steps / 5));
  let t0 = performance.now();
  await run(short);
  const tShort = performance.now() - t0;
  t0 = performance.now();
  const r = await run(a.steps);
  const tLong = performance.now() - t0;
  const work = (a.steps - short) * a.lanes * wIE.length;
  return { wall: work / (Math.max(tLong - tShort, 1e-6) / 1000), info: r.backendInfo };
}

(globalThis as unknown as { brainfitBench: typeof marginalWallRate }).brainfitBench = marginalWallRate;
document.title = "ready";
