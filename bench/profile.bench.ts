// Where an rWW + FIC + BOLD node-step spends its time on the wasm backend, by ablation: the
// same kernel generator is run on variants of the model and network that each drop one part of
// the step, and a part's share is (full − variant) ÷ full of the CPU time per node-step. All
// variants run on one thread, in one process, alternating, so load on the machine hits them
// alike; the figure is node-steps per CPU-second (process.cpuUsage), median of BENCH_REPS.
// Variants that are not built-in models are compiled at run time by asc (dev dependency).
// Noise is "shared" (simulate()'s default and a fit's candidates: one key for all lanes) unless
// the variant says otherwise.
// Run: node scripts/run-ts.mjs bench/profile.bench.ts   (PROFILE_S=0.5 simulated s per timing,
// PROFILE_LANES=16, BENCH_REPS=3, PROFILE_DELAYS=0 for the network without delays)
import { withBold } from "../src/models/bold.ts";
import { analyticalFic } from "../src/models/fic.ts";
import { rww } from "../src/models/rww.ts";
import type { ModelSpec } from "../src/models/spec.ts";
import type { NetworkInput } from "../src/batch/network.ts";
import { simulate } from "../src/sim/simulate.ts";
import { hcpSchaefer100Input } from "./native.ts";
import { median } from "./timing.ts";

const dt = 0.1;
const seconds = Number(process.env.PROFILE_S ?? 0.5);
const lanes = Number(process.env.PROFILE_LANES ?? 16);
const reps = Number(process.env.BENCH_REPS ?? 3);
const withDelays = hcpSchaefer100Input(6);
const n = Math.sqrt(withDelays.weights.length);
const noDelays: NetworkInput = { weights: withDelays.weights };
// PROFILE_DELAYS=0 profiles the network without delays (cuBNM's rWW workload): every variant but
// "no edges" then runs on it, and the "no delays" row is the full step again.
const base: NetworkInput = process.env.PROFILE_DELAYS === "0" ? noDelays : withDelays;
// A network with no edges: the coupling sum does no work (the ring and its write remain).
const noEdges: NetworkInput = { weights: new Float64Array(n * n) };
const wIE = analyticalFic({ sc: withDelays.weights, G: 0.5 }).wIE;

const bold = (spec: ModelSpec) => withBold(spec, { params: "cubnm" });
const noNoise: ModelSpec = { ...rww, name: "rWW_nonoise", diffusion: {} };
// Transfer functions replaced by a rational function with no exp (cost of H(u), not its values).
const cheapH: ModelSpec = {
  ...rww,
  name: "rWW_cheapH",
  derived: (rww.derived ?? []).map((
    d,
  ) => (d.name === "r_E" || d.name === "r_I" ? { ...d, expr: `u_${d.name.slice(2)} / (1 + abs(u_${d.name.slice(2)}))` } : d)),
};

interface Variant {
  label: string;
  part?: string;
  model: ModelSpec;
  network: NetworkInput;
  record: "bold" | "none";
  noise?: "shared" | "independent";
}
const full: Variant = {
  label: `full: rWW + FIC + BOLD, ${base === noDelays ? "no delays" : "delays"}, BOLD recorded`,
  model: bold(rww),
  network: base,
  record: "bold",
};
const variants: Variant[] = [
  full,
  {
    label: "no delays (ring of 2 slots)",
    part: "delays (cache misses of the delayed reads)",
    model: bold(rww),
    network: noDelays,
    record: "bold",
  },
  { label: "no edges (empty connectome)", part: "coupling sum with delays", model: bold(rww), network: noEdges, record: "bold" },
  { label: "no noise (no Philox, no Box–Muller)", part: "noise generation", model: bold(noNoise), network: base, record: "bold" },
  {
    label: "independent noise per lane (Philox per lane)",
    part: "(negative: the extra cost of per-lane noise)",
    model: bold(rww),
    network: base,
    record: "bold",
    noise: "independent",
  },
  { label: "no BOLD states", part: "BOLD (Balloon–Windkessel at bw_dt)", model: rww, network: base, record: "none" },
  {
    label: "transfer functions without exp",
    part: "exp in the transfer functions",
    model: bold(cheapH),
    network: base,
    record: "bold",
  },
  { label: "nothing recorded", part: "recording BOLD every 1 s", model: bold(rww), network: base, record: "none" },
];

async function cpuRate(v: Variant, duration: number): Promise<number> {
  const wie = new Float64Array(lanes * n);
  for (let l = 0; l < lanes; l++) wie.set(wIE, l * n);
  const c0 = process.cpuUsage();
  const r = await simulate({
    model: v.model,
    network: v.network,
    lanes,
    duration,
    dt,
    integrator: "euler",
    backend: "wasm",
    threads: 1,
    seed: 1,
    noise: v.noise ?? "shared",
    params: { G: 0.5, wIE: wie },
    ...(v.record === "bold" ? { record: { observables: ["bold"], period: 1000 } } : {}),
    keepRecorded: false,
    onChunk: () => {},
  });
  const c = process.cpuUsage(c0);
  return (lanes * n * r.nSteps) / ((c.user + c.system) / 1e6);
}

console.log(
  `profile bench: rWW + FIC + BOLD, HCP Schaefer-100 (${n} nodes${
    base === noDelays ? ", no delays" : ""
  }), dt ${dt} ms, Euler, wasm 1 thread, ${lanes} lanes, ${seconds} s simulated, median of ${reps}`,
);
for (const v of variants) await cpuRate(v, 0.01); // warm-up: compile every kernel once
const rates = variants.map(() => [] as number[]);
for (let r = 0; r < reps; r++) {
  for (let k = 0; k < variants.length; k++) rates[k]!.push(await cpuRate(variants[k]!, seconds));
}
const nsFull = 1e9 / median(rates[0]!);
console.log("| variant | node-steps per CPU-s | ns per node-step | part removed | its share of the full step |");
console.log("|---|---|---|---|---|");
variants.forEach((v, k) => {
  const rate = median(rates[k]!);
  const ns = 1e9 / rate;
  const share = v.part ? `${(((nsFull - ns) / nsFull) * 100).toFixed(0)} %` : "–";
  console.log(`| ${v.label} | ${(rate / 1e6).toFixed(1)}e6 | ${ns.toFixed(1)} | ${v.part ?? "–"} | ${share} |`);
});
