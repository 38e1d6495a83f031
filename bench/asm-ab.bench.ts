// The wasm kernel built from another revision's AssemblyScript runtime (asm/vmath.ts,
// asm/philox.ts: the transcendental functions and the noise) against the working tree's, in one
// process, alternating, so the VM's drift (±30 % between runs here) hits both alike. The same
// generated kernel for rWW + FIC + BOLD is compiled twice at run time by asc, under two model
// names (the driver caches modules by kernel source), once with each revision's sources; a
// revision that predates normals8NodesTo or normals4x2To gets them as its own normals4Nodes or
// normals4 twice (what its kernels ran). Marginal node-steps per wall and CPU second (bench/timing.ts), HCP Schaefer-100,
// dt 0.1 ms, Euler, shared noise, BOLD recorded every 1 s; median over rounds of the new ÷ old
// ratio of each round's pair. Needs a git checkout (git show).
// Run: ASM_AB_REF=b19c73a~1 node scripts/run-ts.mjs bench/asm-ab.bench.ts
//   (ASM_AB_CASES=lanes:threads,… default 1:1,4:1,8:1,8:2,64:2; ASM_AB_DELAYS=0; ASM_AB_WORK=1e7
//   node-steps per timed run; ASM_AB_ROUNDS=5; ASM_AB_NOISE=independent)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { ASM_SOURCES } from "../src/generated/asm-sources.ts";
import { hcpSchaefer100Input } from "./native.ts";
import { ficWIE, rwwBold, simulateRwwBold } from "./rww-setup.ts";
import { marginalRate, median } from "./timing.ts";

const ref = process.env.ASM_AB_REF ?? "HEAD";
const cases = (process.env.ASM_AB_CASES ?? "1:1,4:1,8:1,8:2,64:2").split(",").map((c) => c.split(":").map(Number) as [number, number]);
const delays = process.env.ASM_AB_DELAYS !== "0";
// Node-steps per timed run (the long one of each marginal pair): ~0.3 s at 3e7 node-steps/s, so
// set-up and GC pauses stay small against it.
const work = Number(process.env.ASM_AB_WORK ?? 1e7);
const rounds = Number(process.env.ASM_AB_ROUNDS ?? 5);
const noise = process.env.ASM_AB_NOISE === "independent" ? "independent" : "shared";
const withDelays = hcpSchaefer100Input(6);
const input = delays ? withDelays : { weights: withDelays.weights };
const wIE = ficWIE(input);
const n = wIE.length;
const stepsFor = (lanes: number) => Math.max(100, Math.round(work / (lanes * n)));

const show = (path: string) => execFileSync("git", ["show", `${ref}:${path}`], { encoding: "utf8" });
const oldSources = { vmath: show("asm/vmath.ts"), philox: show("asm/philox.ts") };
if (!oldSources.philox.includes("normals8NodesTo")) {
  oldSources.philox += `
@inline export function normals8NodesTo(
  step: u32, node0: u32, block: u32, seed: v128, stream: v128, channels: i32, out: usize, stride: usize,
): void {
  for (let h: u32 = 0; h < 2; h++) {
    normals4Nodes(step, node0 + 4 * h, block, seed, stream, channels > 2);
    v128.store(out + 16 * h, z0);
    if (channels > 1) v128.store(out + 16 * h + stride, z1);
    if (channels > 2) v128.store(out + 16 * h + 2 * stride, z2);
    if (channels > 3) v128.store(out + 16 * h + 3 * stride, z3);
  }
}
`;
}
if (!oldSources.philox.includes("normals4x2To")) {
  oldSources.philox += `
@inline export function normals4x2To(
  step: u32, node: u32, block: u32, seedsA: v128, streamsA: v128, seedsB: v128, streamsB: v128,
  channels: i32, outA: usize, outB: usize,
): void {
  for (let h = 0; h < 2; h++) {
    normals4(step, node, block, h ? seedsB : seedsA, h ? streamsB : streamsA, channels > 2);
    const out = h ? outB : outA;
    v128.store(out, z0);
    if (channels > 1) v128.store(out, z1, 16);
    if (channels > 2) v128.store(out, z2, 32);
    if (channels > 3) v128.store(out, z3, 48);
  }
}
`;
}
const newSources = { vmath: readFileSync("asm/vmath.ts", "utf8"), philox: readFileSync("asm/philox.ts", "utf8") };
const models = { old: { ...rwwBold, name: "rWW_BOLD_old" }, new: { ...rwwBold, name: "rWW_BOLD_new" } };

const run = (which: "old" | "new", lanes: number, threads: number, k: number) =>
  simulateRwwBold({ network: input, wIE, lanes, steps: k, threads, noise, model: models[which] });

// Compile each kernel variant with its revision's sources (first call per model, layout and width).
for (const which of ["old", "new"] as const) {
  Object.assign(ASM_SOURCES, which === "old" ? oldSources : newSources);
  for (const [lanes, threads] of cases) await run(which, lanes, threads, 20);
}
Object.assign(ASM_SOURCES, newSources);

console.log(
  `asm A/B: rWW + FIC + BOLD, HCP-100${delays ? " with delays" : ", no delays"}, ${noise} noise, ${
    work.toExponential(0)
  } node-steps per run, ${rounds} rounds; old = ${ref}, new = working tree`,
);
console.log("| lanes | threads | old (wall) | new (wall) | new ÷ old (wall) | new ÷ old (CPU) | kernel |");
console.log("|---|---|---|---|---|---|---|");
for (const [lanes, threads] of cases) {
  const o: number[] = [], w: number[] = [], rw: number[] = [], rc: number[] = [];
  let info = "";
  for (let r = 0; r < rounds; r++) {
    const a = await marginalRate((k) => run("old", lanes, threads, k), stepsFor(lanes), lanes * n);
    const b = await marginalRate(async (k) => (info = (await run("new", lanes, threads, k)).backendInfo), stepsFor(lanes), lanes * n);
    o.push(a.wall), w.push(b.wall), rw.push(b.wall / a.wall), rc.push(b.cpu / a.cpu);
    if (process.env.ASM_AB_VERBOSE) console.log(`  round ${r}: old ${a.wall.toExponential(2)} new ${b.wall.toExponential(2)}`);
  }
  console.log(
    `| ${lanes} | ${threads} | ${median(o).toExponential(2)} | ${median(w).toExponential(2)} | ${median(rw).toFixed(3)} | ${
      median(rc).toFixed(3)
    } | ${info.replace(/^WASM /, "")} |`,
  );
}
