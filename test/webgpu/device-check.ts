// One-shot check of the WebGPU backend on whatever adapter this machine has (used on a real
// GPU, where vitest is not installed): Philox bit-identity, f32 normal accuracy, the
// trajectory property of trajectories.test.ts on more random cases, bit-identical reruns
// and chunking invariance, and a long streamed run. Prints one line per check and exits 1
// on any failure.
// Bundle: esbuild test/webgpu/device-check.ts --bundle --platform=node --format=esm --external:webgpu
import fc from "fast-check";
import { simulateWebGpu } from "../../src/backends/webgpu/driver.ts";
import { describeAdapter } from "../../src/backends/webgpu/gpu.ts";
import { compileModel } from "../../src/models/spec.ts";
import { supHopf, supHopfDifference } from "../../src/models/hopf.ts";
import { wilsonCowan } from "../../src/models/wilsoncowan.ts";
import { rww } from "../../src/models/rww.ts";
import { withBold } from "../../src/models/bold.ts";
import { normals4, philox4x32 } from "../../src/noise/philox.ts";
import { prepareSimulation } from "../../src/batch/prepare.ts";
import { caseArbitrary, compare, hopfBounds, wcBounds } from "./compare.ts";
import { PHILOX_TEST_SHADER, runCompute } from "./compute.ts";

const runs = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 30);
const longSeconds = Number(process.argv.find((a) => a.startsWith("--long="))?.slice(7) ?? 10);
let failures = 0;
const report = (ok: boolean, line: string) => {
  if (!ok) failures++;
  console.log(`${ok ? "PASS" : "FAIL"} ${line}`);
};

const adapter = await describeAdapter();
console.log(`adapter: ${adapter.name} (fallback: ${adapter.isFallback})`);

// Philox words and normals.
{
  const N = 1 << 16;
  const input = new Uint32Array(6 * N);
  let s = 12345;
  for (let q = 0; q < N; q++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    input.set([q * 7919, q % 97, q % 3, 0, s, q % 11], 6 * q);
  }
  input.set([0, 0, 0, 0, 0, 0], 0);
  const out = await runCompute(PHILOX_TEST_SHADER, "main", input, 8 * N, N / 64);
  const f = new Float32Array(out.buffer);
  let wordMismatch = 0, worstZ = 0;
  for (let q = 0; q < N; q++) {
    const c = input.subarray(6 * q, 6 * q + 6);
    const w = philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!);
    for (let i = 0; i < 4; i++) if (out[8 * q + i] !== w[i]) wordMismatch++;
    const z = normals4(c[4]!, c[5]!, c[1]!, c[0]!, c[2]!);
    for (let i = 0; i < 4; i++) worstZ = Math.max(worstZ, Math.abs(f[8 * q + 4 + i]! - z[i]!) / (1 + Math.abs(z[i]!)));
  }
  report(out[0] === 0x6627e8d5 && out[3] === 0x9b00dbd8, "Philox KAT (0, 0)");
  report(wordMismatch === 0, `Philox words bit-identical to philox.ts on ${N} counters (${wordMismatch} mismatches)`);
  report(worstZ < 2e-6, `f32 normals: worst |z32 - z64| / (1 + |z|) = ${worstZ.toExponential(3)} (tests require < 2e-6)`);
}

// Trajectories within the derived f32 bound.
for (
  const [spec, bounds, seed] of [
    [supHopf, (c: Parameters<typeof hopfBounds>[0], M: number) => hopfBounds(c, M, false), 1],
    [supHopfDifference, (c: Parameters<typeof hopfBounds>[0], M: number) => hopfBounds(c, M, true), 2],
    [wilsonCowan, wcBounds, 3],
  ] as const
) {
  const model = compileModel(spec);
  let worst = 0;
  let error = "";
  for (const c of fc.sample(caseArbitrary(spec), { numRuns: runs, seed: 777 + seed })) {
    try {
      worst = Math.max(worst, await compare(model, c, bounds));
    } catch (err) {
      error = (err as Error).message;
      break;
    }
  }
  report(
    !error,
    `${spec.name}: ${runs} random cases within the f32 error bound; worst |error|/bound ${worst.toFixed(4)}${error ? `; ${error}` : ""}`,
  );
}

// Reruns and chunking.
{
  const n = 40;
  const weights = Float64Array.from({ length: n * n }, (_, q) => ((q * 2654435761) % 1000) / 20000);
  const lengths = Float64Array.from({ length: n * n }, (_, q) => (q * 40503) % 30);
  const base = {
    model: supHopf,
    network: { weights, lengths, speed: 3 },
    lanes: 64,
    duration: 0.2,
    dt: 0.1,
    seed: 3,
    noise: "independent" as const,
    params: { a: Array.from({ length: 64 }, (_, l) => -0.5 + l / 64), G: 0.5, sigma: 0.05 },
    record: { observables: ["x", "r2"], period: 1 },
    averages: ["x"],
  };
  const a = await simulateWebGpu(prepareSimulation(base));
  const b = await simulateWebGpu(prepareSimulation(base));
  const c = await simulateWebGpu(prepareSimulation(base), {
    webgpu: { chunkSamples: 17, stepsPerDispatch: 29, lanesPerGroup: 5 },
    workgroupSize: 32,
  });
  const same = (p: Float32Array, q: Float32Array) => p.length === q.length && p.every((v, i) => Object.is(v, q[i]));
  report(
    same(a.recorded.x!, b.recorded.x!) && same(a.recorded.r2!, b.recorded.r2!),
    "reruns bit-identical (64 lanes × 40 nodes × 2000 steps)",
  );
  report(
    same(a.recorded.x!, c.recorded.x!) && same(a.recorded.r2!, c.recorded.r2!),
    "chunks / dispatch length / lane groups / workgroup size change no bit",
  );
}

// Shared-key noise: normals drawn once per workgroup (barriers in the step loop) give the same
// bits as per-lane draws, with the adapter's default workgroup shape (32 × 8 on GPUs).
{
  const n = 60;
  const weights = Float64Array.from({ length: n * n }, (_, q) => ((q * 2654435761) % 1000) / 30000);
  const lengths = Float64Array.from({ length: n * n }, (_, q) => (q * 40503) % 25);
  const base = {
    model: wilsonCowan,
    network: { weights, lengths, speed: 3 },
    lanes: 96,
    duration: 0.1,
    dt: 0.1,
    seed: 5,
    params: { k: Array.from({ length: 96 }, (_, l) => 1 + l / 96), sigma_ou: 0.05 },
    record: { observables: ["rE"], period: 1 },
    averages: ["rI"],
  };
  const shared = await simulateWebGpu(prepareSimulation(base), { webgpu: { sharedNoise: true } });
  const perLane = await simulateWebGpu(prepareSimulation(base), { webgpu: { sharedNoise: false } });
  const same = (p: Float32Array | Float64Array, q: Float32Array | Float64Array) =>
    p.length === q.length && p.every((v, i) => Object.is(v, q[i]));
  report(
    shared.backendInfo.includes("normals drawn once per workgroup") && same(shared.recorded.rE!, perLane.recorded.rE!) &&
      same(shared.averages.rI!, perLane.averages.rI!),
    "shared-key normals once per workgroup: the same bits as per-lane draws (96 lanes × 60 nodes, Wilson–Cowan, 4 noise channels)",
  );
}

// Fast states held in workgroup memory for a dispatch (the default on GPUs where they fit) give
// the same bits as states kept in storage: rWW + BOLD, dense coupling, short dispatches.
{
  const n = 48;
  const weights = Float64Array.from({ length: n * n }, (_, q) => (((q * 2654435761) >>> 0) % 1000) / 40000);
  const base = {
    model: withBold(rww, { params: "cubnm" }),
    network: { weights },
    lanes: 80,
    duration: 0.2,
    dt: 0.1,
    integrator: "euler" as const,
    seed: 3,
    params: { G: Array.from({ length: 80 }, (_, l) => 0.2 + l / 100) },
    record: { observables: ["S_E", "bold"], period: 2 },
    averages: ["S_E"],
  };
  const held = await simulateWebGpu(prepareSimulation(base), { webgpu: { holdStates: true, stepsPerDispatch: 97 } });
  const stored = await simulateWebGpu(prepareSimulation(base), { webgpu: { holdStates: false, stepsPerDispatch: 97 } });
  const same = (p: Float32Array | Float64Array, q: Float32Array | Float64Array) =>
    p.length === q.length && p.every((v, i) => Object.is(v, q[i]));
  report(
    held.backendInfo.includes("fast states held") && same(held.recorded.S_E!, stored.recorded.S_E!) &&
      same(held.recorded.bold!, stored.recorded.bold!) && same(held.averages.S_E!, stored.averages.S_E!),
    "fast states held in workgroup memory: the same bits as states in storage (80 lanes × 48 nodes, rWW + BOLD)",
  );
}

// A long streamed run: 512 lanes × 100 nodes, keepRecorded false.
{
  const n = 100;
  const weights = Float64Array.from({ length: n * n }, (_, q) => (((q * 2654435761) >>> 0) % 1000) / 100000);
  const lengths = Float64Array.from({ length: n * n }, (_, q) => (q * 40503) % 200);
  let chunks = 0, samples = 0;
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const r = await simulateWebGpu(
    prepareSimulation({
      model: supHopf,
      network: { weights, lengths, speed: 6 },
      lanes: 512,
      duration: longSeconds,
      dt: 0.1,
      seed: 9,
      noise: "independent",
      params: { a: -0.02, G: 0.5, sigma: 0.02 },
      record: { observables: ["x"], period: 1 },
      averages: ["x", "r2"],
      keepRecorded: false,
      onChunk: (ch) => {
        chunks++;
        samples += ch.count;
        rssMax = Math.max(rssMax, process.memoryUsage().rss);
      },
    }),
  );
  const finite = Array.from(r.averages.r2!).every(Number.isFinite);
  report(
    samples === longSeconds * 1000 && finite,
    `512 lanes × 100 nodes × ${longSeconds} s streamed: ${chunks} chunks, ${samples} samples, ${(r.elapsedMs / 1000).toFixed(1)} s, ${
      (r.nodeStepsPerSecond / 1e9).toFixed(3)
    } G node-steps/s, RSS +${((rssMax - rss0) / 2 ** 20).toFixed(0)} MiB`,
  );
}

console.log(`device-check: ${failures ? `${failures} FAILED` : "all passed"}`);
process.exit(failures ? 1 : 0);
