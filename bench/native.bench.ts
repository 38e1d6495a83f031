// Native C SupHopf yardstick on the HCP Schaefer-100 connectome (speed 6 mm/ms, dt 0.1 ms):
// first checks the C integrator against the float64 reference (same noise, final states),
// then measures node-steps/s at batch 1, 32, 512 on 1 and 2 threads.
// Run: node scripts/run-ts.mjs bench/native.bench.ts   (NATIVE_STEPS=… to change the length)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { availableParallelism, loadavg } from "node:os";
import { supHopf } from "../src/models/hopf.ts";
import { prepareSimulation } from "../src/batch/prepare.ts";
import { simulateReference } from "../src/backends/reference.ts";
import { buildNetwork } from "../src/batch/network.ts";
import { hcpSchaefer100Input, runNativeHopf } from "./native.ts";

const dt = 0.1;
const input = hcpSchaefer100Input(6);
const net = buildNetwork(input, dt);
const n = net.nNodes;
console.log(
  `native: HCP Schaefer-100, ${n} nodes, ${net.source.length} edges, max delay ${net.maxDelay} steps (ring ${net.maxDelay + 2} slots)`,
);

// 1. Agreement with the float64 reference: 4 lanes, 100 ms, independent noise streams.
{
  const lanes = 4, steps = 1000, seed = 11;
  const params = { a: -0.05, G: 0.5, sigma: 0.02 };
  const dump = join(process.cwd(), "build", "native", "check.f32");
  await runNativeHopf({ network: net, lanes, steps, threads: 1, params, seed, dumpTo: dump });
  const raw = readFileSync(dump);
  const c = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const ref = simulateReference(
    prepareSimulation({
      model: supHopf,
      network: input,
      lanes,
      params,
      seed,
      noise: "independent",
      dt,
      duration: (steps * dt) / 1000,
      record: { observables: ["x", "y"], period: steps * dt },
    }),
  );
  let maxErr = 0, maxAbs = 0;
  for (const [k, name] of ["x", "y"].entries()) {
    const r = ref.recorded[name]!; // lanes × 1 sample × nodes
    for (let i = 0; i < lanes * n; i++) {
      maxErr = Math.max(maxErr, Math.abs(c[k * lanes * n + i]! - r[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(r[i]!));
    }
  }
  // f32 vs f64 over 1000 contracting steps: rounding stays ~1e-6 relative to the amplitude.
  const ok = maxErr <= 1e-4 * Math.max(maxAbs, 1e-3);
  console.log(
    `native check vs float64 reference (4 lanes, 1000 steps): max |Δ| ${maxErr.toExponential(2)} (max |state| ${maxAbs.toExponential(2)}) ${
      ok ? "OK" : "MISMATCH"
    }`,
  );
  if (!ok) process.exitCode = 1;
}

// 2. Throughput. Steps per case sized so each run takes ~1 s of CPU; each case runs
// NATIVE_REPEAT times (default 3) and the fastest counts (other load only slows runs down).
const threadsList = availableParallelism() >= 2 ? [1, 2] : [1];
const scale = Number(process.env.NATIVE_STEPS ?? 1);
const repeat = Math.max(1, Number(process.env.NATIVE_REPEAT ?? 3));
const rows: string[] = [];
for (const lanes of [1, 32, 512]) {
  for (const threads of threadsList) {
    const steps = Math.round(scale * (lanes === 1 ? 40000 : lanes === 32 ? 8000 : 800));
    let best: Awaited<ReturnType<typeof runNativeHopf>> | null = null;
    for (let k = 0; k < repeat; k++) {
      const r = await runNativeHopf({ network: net, lanes, steps, threads });
      if (!best || r.nodeStepsPerSecond > best.nodeStepsPerSecond) best = r;
    }
    const r = best!;
    const perCpu = (lanes * n * steps) / r.cpuSeconds;
    rows.push(
      `| ${lanes} | ${threads} | ${r.laneBlock} | ${steps} | ${r.seconds.toFixed(3)} | ${r.cpuSeconds.toFixed(3)} | ${
        r.nodeStepsPerSecond.toExponential(3)
      } | ${perCpu.toExponential(3)} |`,
    );
    console.log(
      `native hopf lanes=${lanes} threads=${threads} steps=${steps}: ${
        r.nodeStepsPerSecond.toExponential(3)
      } node-steps/s (best of ${repeat}, ${r.seconds.toFixed(3)} s) — ${r.command}`,
    );
  }
}
const [load1] = loadavg();
console.log(`\n1-min load average at the end: ${load1!.toFixed(2)} on ${availableParallelism()} cores`);
console.log(
  "\n| lanes | threads | lane block | steps | wall s | CPU s | node-steps/s (wall) | node-steps per CPU-s |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n" +
    rows.join("\n"),
);
