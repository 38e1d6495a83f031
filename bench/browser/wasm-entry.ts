// Page side of bench/browser-wasm.bench.ts: the CPU throughput workload (bench/rww-setup.ts)
// on the wasm backend inside Chromium, timed by bench/timing.ts's marginalRate (N against N/5
// steps, so set-up cancels), wall time only (a page has no process CPU clock).
import type { NetworkInput } from "../../src/batch/network.ts";
import { simulateRwwBold } from "../rww-setup.ts";
import { marginalRate } from "../timing.ts";

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
  let info = "";
  const { wall } = await marginalRate(
    async (steps) => (info = (await simulateRwwBold({ network, wIE, lanes: a.lanes, steps, threads: a.threads })).backendInfo),
    a.steps,
    a.lanes * wIE.length,
  );
  return { wall, info };
}

(globalThis as unknown as { brainfitBench: typeof marginalWallRate }).brainfitBench = marginalWallRate;
document.title = "ready";
