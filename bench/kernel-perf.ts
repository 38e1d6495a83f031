// A fixed wasm workload to profile the simulation kernel with Linux perf (instructions of V8's
// generated code, not timings): rWW + FIC + BOLD on HCP Schaefer-100 with delays, 16 lanes,
// 1 thread (the calling thread, so perf sees it), 3 s simulated, shared noise
// (KERNEL_PERF_DELAYS=0 drops the delays; KERNEL_PERF_LANES=4 profiles one lane group of 4).
// Run (perf from Debian's linux-perf; software clock events work in VMs without a PMU):
//   node scripts/run-ts.mjs bench/kernel-perf.ts            # bundles build/run/kernel-perf.mjs
//   BRAINFIT_WASM_DIR=$PWD/dist/wasm perf record -e cpu-clock -F 4000 -k mono -o perf.data \
//     node --perf-prof --no-liftoff build/run/kernel-perf.mjs
//   perf inject --jit -i perf.data -o perf.jit.data
//   perf report -i perf.jit.data --stdio --sort sym           # the kernel is wasm-function[N]
//   perf annotate -i perf.jit.data --stdio -s 'JS:wasm-function[N]-N-turbofan'
import { hcpSchaefer100Input } from "./native.ts";
import { ficWIE, simulateRwwBold } from "./rww-setup.ts";

// KERNEL_PERF_DELAYS=0: the same connectome without delays (cuBNM's rWW workload).
const withDelays = hcpSchaefer100Input(6);
const input = process.env.KERNEL_PERF_DELAYS === "0" ? { weights: withDelays.weights } : withDelays;
const t0 = performance.now();
const r = await simulateRwwBold({
  network: input,
  wIE: ficWIE(input),
  lanes: Number(process.env.KERNEL_PERF_LANES ?? 16),
  steps: 30000,
  threads: 1,
});
console.log(`kernel-perf: ${((performance.now() - t0) / 1000).toFixed(2)} s, ${r.backendInfo}`);
