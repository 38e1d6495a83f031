// WGSL for reverse-mode gradients on WebGPU (issue 14), generated from the same step description
// as every other backend (codegen/step.ts) and its adjoint (grad/adjoint.ts); no step arithmetic
// is written here by hand. One module, four entry points:
//   fwd_init   initial states and the whole delay history h(x_init, p);
//   fwd_step   steps [first_step, first_step + n_steps) of every lane: the delayed coupling sums,
//              Philox normals (the forward kernel's, keyed by seed, stream; node; step; channel),
//              the step; it records observables (record_on) and keeps each node-step's inputs on
//              the tape (tape_on: x, cs, hs, z; the adjoint recomputes everything else);
//   bwd_step   steps first_step, first_step − 1, … (n_steps of them) backwards over the tape: the
//              adjoint let block of the step's variant (Euler/Heun × slow step × derived seeded)
//              per node and lane, parameter adjoints summed per block of steps;
//   bwd_h0     the last reads of the initial history (step 0), after every bwd_step.
// Coupling adjoint in gather (transpose) form, so no atomics: step s reads H_j(s − d_e) through
// every in-edge e = (j → i); backwards, the adjoint of H_j(s + 1), needed at step s, is
// Σ over out-edges e of j of w_e · a_cs_target(s + 1 + d_e) (+ a_hs_j(s + 1) for difference
// couplings), all produced at later steps. a_cs lives in a ring of R = maxDelay + 2 slots (slot
// s is written at step s while slots s + 1 … s + 1 + maxDelay are read), so one barrier per step
// suffices, as in the forward kernel. Reads of the initial history (s − d < 1) add up per (node,
// coupling) in aH0; the driver maps them to parameters in float64 (initialCouplingAdjoint).
//
// Layouts (lanes innermost, as kernels/simulate.wgsl): a workgroup is LW lanes × NS node slices;
// invocation (lx, ly) handles lane wid.x·LW + lx, nodes ly, ly + NS, …
import { emitModelWgsl, KernelSourceError, WGSL_STEP_SCALARS, wgslLetValue } from "../codegen/wgsl.ts";
import { blockInputs, describeStep, pruneLets, type StepDescription, stepInput, type StepLet } from "../codegen/step.ts";
import { freeVariables } from "../models/expr.ts";
import { WGSL } from "../generated/wgsl.ts";
import type { CompiledModel } from "../models/spec.ts";
import type { Integrator } from "../batch/prepare.ts";
import { stepAdjoint, stepAdjointLayout, type StepVariant } from "./adjoint.ts";

export interface GradientKernelOptions {
  integrator: Integrator;
  /** Indices into model.observables recorded (forward) and seeded by the loss gradient (backward). */
  recordIdx: number[];
  /** Lanes per workgroup. */
  lanesPerWorkgroup: number;
  /** Node slices per workgroup (> 1: one barrier per step). */
  nodeSlices: number;
}

export interface GradientKernel {
  source: string;
  workgroupSize: number;
  /** Words per tape node-step: S states, K coupling sums, K own coupled values, NZ normals. */
  tapeFields: number;
  /** Adjoint outputs per node-step (S + P + K + difference couplings). */
  adjointOutputs: number;
}

/** Bytes of the GradRun uniform (struct GradRun below). */
export const GRAD_RUN_UNIFORM_BYTES = 112;

const TIME_WGSL: Readonly<Record<string, string>> = WGSL_STEP_SCALARS;
const local = (name: string) => TIME_WGSL[name] ?? name;

/**
 * WGSL lets for a block: every input not yet in scope is bound from `input` where first read,
 * then each let with wgslLetValue (the forward kernel's emitter). `scope` collects the names.
 */
function emitLets(block: readonly StepLet[], pad: string, scope: Set<string>, input: (name: string) => string): string {
  let out = "";
  for (const l of block) {
    for (const name of freeVariables(l.expr)) {
      if (scope.has(name) || name in TIME_WGSL) continue;
      out += `${pad}let ${name} = ${input(name)};\n`;
      scope.add(name);
    }
    out += scope.has(l.name) ? `${pad}${l.name} = ${wgslLetValue(l, local)};\n` : `${pad}let ${l.name} = ${wgslLetValue(l, local)};\n`;
    scope.add(l.name);
  }
  return out;
}

/** Where a step input lives in the kernels' local arrays (x, p, cs, hs, z; seeds gn, gh, gd). */
function inputIn(m: CompiledModel) {
  return (name: string): string => {
    const found = stepInput(m, name);
    switch (found?.role) {
      case "x":
        return `x[${found.index}]`;
      case "p":
        return `p[${found.index}]`;
      case "cs":
        return `cs[${found.index}]`;
      case "hs":
        return `hs[${found.index}]`;
      case "z":
        return `z[${found.index}]`;
    }
    let k: number;
    if (name.startsWith("ga_n_") && (k = m.stateNames.indexOf(name.slice(5))) >= 0) return `gn[${k}]`;
    if (name.startsWith("ga_h_") && (k = m.couplingNames.indexOf(name.slice(5))) >= 0) return `gh[${k}]`;
    if (name.startsWith("ga_nd_") && (k = m.derived.findIndex((d) => d.name === name.slice(6))) >= 0) return `gd[${k}]`;
    throw new KernelSourceError(`model '${m.name}': the gradient kernel reads '${name}', which it does not provide`);
  };
}

const variantName = (v: StepVariant) => `adj_${v.integrator}_${v.slowStep ? "slow" : "fast"}_${v.derived ? "d" : "nod"}`;

/** One adjoint variant as a WGSL function of the node-step's inputs and seeds. */
function adjointFunction(desc: StepDescription, v: StepVariant): string {
  const m = desc.model;
  const block = stepAdjoint(desc, v);
  const input = inputIn(m);
  let s = `fn ${variantName(v)}(x: array<f32, N_STATES>, p: array<f32, N_PARAMS1>, cs: array<f32, N_COUPLINGS1>, ` +
    `hs: array<f32, N_COUPLINGS1>, wsum: f32, z: array<f32, N_NOISE4>, t: f32, gn: array<f32, N_STATES>, ` +
    `gh: array<f32, N_COUPLINGS1>, gd: array<f32, N_DERIVED1>) -> array<f32, N_ADJ> {\n`;
  const scope = new Set<string>();
  for (const name of blockInputs(block.lets)) {
    if (name in TIME_WGSL) continue;
    s += `  let ${name} = ${input(name)};\n`;
    scope.add(name);
  }
  s += emitLets(block.lets, "  ", scope, input);
  s += `  return array<f32, N_ADJ>(${block.outputs.join(", ")});\n}\n`;
  return s;
}

/** The forward node-step (inside fwd_node): lets of the description in the reference's order. */
function forwardStep(desc: StepDescription, integrator: Integrator, recordIdx: number[]): string {
  const m = desc.model;
  const S = m.stateNames;
  const input = inputIn(m);
  const pad = "  ";
  const top = new Set<string>();
  let out = emitLets([...desc.coupling, ...desc.start, ...desc.integrate[integrator as "euler" | "heun"]], pad, top, input);
  if (desc.slowStates.length) {
    for (const k of desc.slowStates) out += `${pad}var n_${S[k]} = x[${k}];\n`;
    desc.slowStates.forEach((k) => top.add(`n_${S[k]}`));
    out += `${pad}if (slow_here) {\n`;
    out += emitLets(desc.slow, pad + "  ", new Set(top), input);
    out += `${pad}}\n`;
  }
  S.forEach((s, k) => (out += `${pad}sim[state_at(i, ${k}u, lane)] = n_${s};\n`));
  out += emitLets(desc.coupled, pad, top, input);
  desc.coupled.forEach((l, k) => (out += `${pad}sim[ring_at(${k}u, next, i, lane)] = ${l.name};\n`));
  const needed = recordIdx.filter((k) => k >= S.length).map((k) => `nd_${m.observables[k]}`);
  out += emitLets(pruneLets(desc.derived, needed), pad, top, input);
  if (recordIdx.length) {
    out += `${pad}if (record_here) {\n${pad}  let sample = (step + 1u) / run.record_every - 1u;\n`;
    recordIdx.forEach((k, r) => {
      const v = k < S.length ? `n_${S[k]}` : `nd_${m.observables[k]}`;
      out += `${pad}  rec[rec_at(${r}u, sample, i, lane)] = ${v};\n`;
    });
    out += `${pad}}\n`;
  }
  return out;
}

function checked(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1 || v > 256) throw new KernelSourceError(`${name} must be an integer in [1, 256], got ${v}`);
  return v;
}

/** The gradient module (four entry points, see the header) for a model, integrator and recording. */
export function generateGradientKernel(m: CompiledModel, opts: GradientKernelOptions): GradientKernel {
  if (opts.integrator !== "euler" && opts.integrator !== "heun") {
    throw new KernelSourceError(`integrator must be "euler" or "heun", got '${String(opts.integrator)}'`);
  }
  const LW = checked(opts.lanesPerWorkgroup, "lanesPerWorkgroup");
  const NS = checked(opts.nodeSlices, "nodeSlices");
  if (LW * NS > 256) throw new KernelSourceError(`lanesPerWorkgroup × nodeSlices must be <= 256, got ${LW} × ${NS}`);
  const philox = WGSL["philox"];
  if (philox === undefined) {
    throw new KernelSourceError("kernels/philox.wgsl is not embedded in src/generated/wgsl.ts; run `node scripts/build.mjs`");
  }
  const desc = describeStep(m);
  const S = m.stateNames.length, P = m.paramNames.length, K = m.coupling.length, NZ = m.noiseStates.length, D = m.derived.length;
  const { wrt, difference } = stepAdjointLayout(desc);
  const diffIdx = difference.map((c) => m.couplingNames.indexOf(c));
  const F = S + 2 * K + NZ;
  const recDerived = opts.recordIdx.some((k) => k >= S);
  const slow = desc.slowStates.length > 0;
  const integrator = opts.integrator;
  const variants: StepVariant[] = [];
  for (const slowStep of slow ? [false, true] : [false]) {
    for (const derived of recDerived ? [false, true] : [false]) variants.push({ integrator, slowStep, derived });
  }
  // With one slice every invocation's node loop starts at 0: the loop, the edge loads and the
  // weights are then uniform across the workgroup (scalar loads on CPU adapters, as the forward kernel).
  const first = NS > 1 ? "lid.y" : "0u";
  const barrier = NS > 1 ? "    storageBarrier();\n    workgroupBarrier();\n" : "";
  const forK = (f: (k: number) => string) => Array.from({ length: K }, (_, k) => f(k)).join("");

  // Tape of one node-step: x, cs, hs, z (inside fwd_node, when run.tape_on).
  let tapeWrite = `  if (run.tape_on != 0u) {\n    let tb = step - run.tape_first;\n`;
  for (let q = 0; q < S; q++) tapeWrite += `    tape[tape_at(tb, i, ${q}u, lane)] = x[${q}];\n`;
  tapeWrite += forK((k) =>
    `    tape[tape_at(tb, i, ${S + k}u, lane)] = cs[${k}];\n    tape[tape_at(tb, i, ${S + K + k}u, lane)] = hs[${k}];\n`
  );
  for (let q = 0; q < NZ; q++) tapeWrite += `    tape[tape_at(tb, i, ${S + 2 * K + q}u, lane)] = z[${q}];\n`;
  tapeWrite += `  }\n`;

  let noise = "";
  for (let b = 0; b < NZ; b += 4) {
    noise += `  {\n    let zb = philox_normals4(key.x, key.y, i, step, ${b >> 2}u);\n`;
    for (let q = 0; q < 4 && b + q < NZ; q++) noise += `    z[${b + q}] = zb[${q}];\n`;
    noise += `  }\n`;
  }

  // The loss gradient of this step's recorded samples seeds the new state's (and derived) adjoints.
  let seedRecord = "";
  if (opts.recordIdx.length) {
    seedRecord += `  if (record_here) {\n    let sample = (step + 1u) / run.record_every - 1u;\n`;
    opts.recordIdx.forEach((k, r) => {
      seedRecord += k < S
        ? `    gn[${k}] += rec[rec_at(${r}u, sample, i, lane)];\n`
        : `    gd[${k - S}] += rec[rec_at(${r}u, sample, i, lane)];\n`;
    });
    seedRecord += `  }\n`;
  }
  // Variant dispatch: runtime flags pick the adjoint function.
  const call = (v: StepVariant) => `${variantName(v)}(x, p, cs, hs, wsum, z, t, gn, gh, gd)`;
  const pick = (slowStep: boolean) => {
    const d = variants.find((v) => v.slowStep === slowStep && v.derived);
    const nd = variants.find((v) => v.slowStep === slowStep && !v.derived)!;
    return d ? `if (record_here) { a = ${call(d)}; } else { a = ${call(nd)}; }` : `a = ${call(nd)};`;
  };
  const adjointCall = slow ? `  if (slow_here) { ${pick(true)} } else { ${pick(false)} }\n` : `  ${pick(false)}\n`;

  const source = `${philox}
const LW: u32 = ${LW}u;
const NS: u32 = ${NS}u;
const N_DERIVED1: u32 = ${Math.max(D, 1)}u;
const N_ADJ: u32 = ${wrt.length}u;
const N_TAPE: u32 = ${F}u;
const N_REC: u32 = ${opts.recordIdx.length}u;
${emitModelWgsl(m)}

struct GradRun {
  n_nodes: u32,
  ring_len: u32,
  lane_count: u32,
  first_step: u32,
  n_steps: u32,
  record_every: u32,
  n_samples: u32,
  slow_every: u32,
  tape_on: u32,
  record_on: u32,
  tape_first: u32,
  total_steps: u32,
  max_delay: u32,
  block: u32,
  ring_off: u32,
  out_off: u32,
  wsum_off: u32,
  keys_off: u32,
  acs_off: u32,
  ahs_off: u32,
  h0_off: u32,
  edge_off: u32,
  pad0: u32,
  pad1: u32,
  dt: f32,
  sqrt_dt: f32,
  half_dt: f32,
  slow_dt: f32,
}

@group(0) @binding(0) var<uniform> run: GradRun;
// states [node][state][lane], then the delay ring [coupling][slot][node][lane] (at run.ring_off)
@group(0) @binding(1) var<storage, read_write> sim: array<f32>;
// [node][param][lane]
@group(0) @binding(2) var<storage, read> params: array<f32>;
// in-edges: rowStart[n + 1], (source − delay·n as i32, delay, weight bits) per edge at edge_off;
// out-edges (the transpose): outStart[n + 1] at out_off, then (target + delay·n, delay, weight
// bits); row weight sums
// (f32 bits) at wsum_off; (seed, stream) per lane at keys_off
@group(0) @binding(3) var<storage, read> net: array<u32>;
// forward: recorded samples; backward: the loss gradient of them. [observable][sample][node][lane]
@group(0) @binding(4) var<storage, read_write> rec: array<f32>;
// one segment's node-step inputs: [step in segment][node][field][lane]
@group(0) @binding(5) var<storage, read_write> tape: array<f32>;
// adjoints: state [node][state][lane]; a_cs ring [coupling][slot][node][lane] at acs_off; a_hs
// [coupling][node][lane] at ahs_off; initial-history reads [coupling][node][lane] at h0_off
@group(0) @binding(6) var<storage, read_write> adj: array<f32>;
// parameter adjoints summed in f32 over one block of steps: [block][node][param][lane]
@group(0) @binding(7) var<storage, read_write> gpart: array<f32>;

fn state_at(i: u32, s: u32, lane: u32) -> u32 {
  return (i * N_STATES + s) * run.lane_count + lane;
}
fn ring_at(k: u32, slot: u32, i: u32, lane: u32) -> u32 {
  return run.ring_off + ((k * run.ring_len + slot) * run.n_nodes + i) * run.lane_count + lane;
}
fn param_at(i: u32, k: u32, lane: u32) -> u32 {
  return (i * N_PARAMS + k) * run.lane_count + lane;
}
fn rec_at(r: u32, sample: u32, i: u32, lane: u32) -> u32 {
  return ((r * run.n_samples + sample) * run.n_nodes + i) * run.lane_count + lane;
}
fn tape_at(tb: u32, i: u32, f: u32, lane: u32) -> u32 {
  return ((tb * run.n_nodes + i) * N_TAPE + f) * run.lane_count + lane;
}
fn acs_at(k: u32, slot: u32, i: u32, lane: u32) -> u32 {
  return run.acs_off + ((k * run.ring_len + slot) * run.n_nodes + i) * run.lane_count + lane;
}
fn node_at(base: u32, k: u32, i: u32, lane: u32) -> u32 {
  return base + (k * run.n_nodes + i) * run.lane_count + lane;
}
fn load_params(lane: u32, i: u32) -> array<f32, N_PARAMS1> {
  var p: array<f32, N_PARAMS1>;
  for (var q = 0u; q < N_PARAMS; q++) {
    p[q] = params[param_at(i, q, lane)];
  }
  return p;
}
fn lane_key(lane: u32) -> vec2<u32> {
  return vec2<u32>(net[run.keys_off + 2u * lane], net[run.keys_off + 2u * lane + 1u]);
}
fn is_record_step(step: u32) -> bool {
  return N_REC > 0u && ((step + 1u) % run.record_every) == 0u && (step + 1u) / run.record_every <= run.n_samples;
}
fn is_slow_step(step: u32) -> bool {
  return run.slow_every > 0u && ((step + 1u) % run.slow_every) == 0u;
}

@compute @workgroup_size(LW, NS)
fn fwd_init(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let lane = wid.x * LW + lid.x;
  let x = model_init();
  for (var i = ${first}; i < run.n_nodes; i += NS) {
    for (var s = 0u; s < N_STATES; s++) {
      sim[state_at(i, s, lane)] = x[s];
    }
    let h = model_coupled(x, load_params(lane, i));
    for (var r = 0u; r < run.ring_len; r++) {
      for (var k = 0u; k < N_COUPLINGS; k++) {
        sim[ring_at(k, r, i, lane)] = h[k];
      }
    }
  }
}

fn fwd_node(lane: u32, i: u32, step: u32, key: vec2<u32>, record_here: bool, slow_here: bool) {
  let R = run.ring_len;
  let now = step % R;
  let next = select(now + 1u, 0u, now + 1u == R);
  let t = f32(step) * run.dt;
  // delayed coupling sums over in-edges: slot (step − d) mod R
  // (cell now·N + j − d·N of the ring, wrapped: one add and one select per edge)
  var cs = array<f32, N_COUPLINGS1>();
  let rn = R * run.n_nodes;
  let now_cell = i32(now * run.n_nodes);
  for (var e = net[i]; e < net[i + 1u]; e++) {
    let b = run.edge_off + 3u * e;
    let c = now_cell + bitcast<i32>(net[b]);
    let cell = u32(select(c, c + i32(rn), c < 0));
    let w = bitcast<f32>(net[b + 2u]);
${forK((k) => `    cs[${k}] += w * sim[run.ring_off + (${k}u * rn + cell) * run.lane_count + lane];\n`)}  }
  var hs = array<f32, N_COUPLINGS1>();
${forK((k) => `  hs[${k}] = sim[ring_at(${k}u, now, i, lane)];\n`)}  let wsum = bitcast<f32>(net[run.wsum_off + i]);
  var x: array<f32, N_STATES>;
  for (var s = 0u; s < N_STATES; s++) {
    x[s] = sim[state_at(i, s, lane)];
  }
  let p = load_params(lane, i);
  var z = array<f32, N_NOISE4>();
${noise}${tapeWrite}${forwardStep(desc, integrator, opts.recordIdx)}}

@compute @workgroup_size(LW, NS)
fn fwd_step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let lane = wid.x * LW + lid.x;
  let key = lane_key(lane);
  for (var s = 0u; s < run.n_steps; s++) {
    let step = run.first_step + s;
    let record_here = run.record_on != 0u && is_record_step(step);
    let slow_here = is_slow_step(step);
    for (var i = ${first}; i < run.n_nodes; i += NS) {
      fwd_node(lane, i, step, key, record_here, slow_here);
    }
${barrier}  }
}

${variants.map((v) => adjointFunction(desc, v)).join("\n")}
fn bwd_node(lane: u32, i: u32, step: u32, record_here: bool, slow_here: bool) {
  let R = run.ring_len;
  let now = step % R;
  let s1 = step + 1u;
  let slot1 = select(now + 1u, 0u, now + 1u == R);
  // adjoint of H_i(step + 1): gathered over out-edges from a_cs of later steps (zero past the end)
  var gh = array<f32, N_COUPLINGS1>();
  let out_edges = run.out_off + run.n_nodes + 1u;
  // (cell slot1·N + target + d·N of the a_cs ring, wrapped)
  let rn = R * run.n_nodes;
  let slot1_cell = slot1 * run.n_nodes;
  for (var e = net[run.out_off + i]; e < net[run.out_off + i + 1u]; e++) {
    let b = out_edges + 3u * e;
    let c = slot1_cell + net[b];
    let cell = select(c, c - rn, c >= rn);
    let w = bitcast<f32>(net[b + 2u]);
${forK((k) => `    gh[${k}] += w * adj[run.acs_off + (${k}u * rn + cell) * run.lane_count + lane];\n`)}  }
${
    difference.map((_, d) => `  gh[${diffIdx[d]}] += adj[node_at(run.ahs_off, ${diffIdx[d]}u, i, lane)];\n`).join("")
  }  // step s1 <= d read the initial history through edge e (step 0: bwd_h0)
  if (s1 <= run.max_delay && s1 < run.total_steps) {
    var h0 = array<f32, N_COUPLINGS1>();
    for (var e = net[run.out_off + i]; e < net[run.out_off + i + 1u]; e++) {
      let b = out_edges + 3u * e;
      if (s1 <= net[b + 1u]) {
        let w = bitcast<f32>(net[b + 2u]);
${forK((k) => `        h0[${k}] += w * adj[acs_at(${k}u, slot1, net[b] - net[b + 1u] * run.n_nodes, lane)];\n`)}      }
    }
${forK((k) => `    adj[node_at(run.h0_off, ${k}u, i, lane)] += h0[${k}];\n`)}  }
  // the node-step's inputs from the tape
  let tb = step - run.tape_first;
  var x: array<f32, N_STATES>;
  var gn: array<f32, N_STATES>;
  for (var q = 0u; q < N_STATES; q++) {
    x[q] = tape[tape_at(tb, i, q, lane)];
    gn[q] = adj[state_at(i, q, lane)];
  }
  var cs = array<f32, N_COUPLINGS1>();
  var hs = array<f32, N_COUPLINGS1>();
${
    forK((k) => `  cs[${k}] = tape[tape_at(tb, i, ${S + k}u, lane)];\n  hs[${k}] = tape[tape_at(tb, i, ${S + K + k}u, lane)];\n`)
  }  var z = array<f32, N_NOISE4>();
${
    Array.from({ length: NZ }, (_, q) => `  z[${q}] = tape[tape_at(tb, i, ${S + 2 * K + q}u, lane)];\n`).join("")
  }  let p = load_params(lane, i);
  let wsum = bitcast<f32>(net[run.wsum_off + i]);
  let t = f32(step) * run.dt;
  var gd = array<f32, N_DERIVED1>();
${seedRecord}  var a: array<f32, N_ADJ>;
${adjointCall}  for (var q = 0u; q < N_STATES; q++) {
    adj[state_at(i, q, lane)] = a[q];
  }
  let gb = run.block * run.n_nodes;
  for (var q = 0u; q < N_PARAMS; q++) {
    let at = ((gb + i) * N_PARAMS + q) * run.lane_count + lane;
    gpart[at] += a[N_STATES + q];
  }
${forK((k) => `  adj[acs_at(${k}u, now, i, lane)] = a[${S + P + k}];\n`)}${
    difference.map((_, d) => `  adj[node_at(run.ahs_off, ${diffIdx[d]}u, i, lane)] = a[${S + P + K + d}];\n`).join("")
  }}

@compute @workgroup_size(LW, NS)
fn bwd_step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let lane = wid.x * LW + lid.x;
  for (var s = 0u; s < run.n_steps; s++) {
    let step = run.first_step - s;
    let record_here = is_record_step(step);
    let slow_here = is_slow_step(step);
    for (var i = ${first}; i < run.n_nodes; i += NS) {
      bwd_node(lane, i, step, record_here, slow_here);
    }
${barrier}  }
}

// Step 0 read the initial history through every edge (and its own h for difference couplings).
@compute @workgroup_size(LW, NS)
fn bwd_h0(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let lane = wid.x * LW + lid.x;
  let out_edges = run.out_off + run.n_nodes + 1u;
  for (var i = ${first}; i < run.n_nodes; i += NS) {
    var h0 = array<f32, N_COUPLINGS1>();
    for (var e = net[run.out_off + i]; e < net[run.out_off + i + 1u]; e++) {
      let b = out_edges + 3u * e;
      let w = bitcast<f32>(net[b + 2u]);
${forK((k) => `      h0[${k}] += w * adj[acs_at(${k}u, 0u, net[b] - net[b + 1u] * run.n_nodes, lane)];\n`)}    }
${difference.map((_, d) => `    h0[${diffIdx[d]}] += adj[node_at(run.ahs_off, ${diffIdx[d]}u, i, lane)];\n`).join("")}${
    forK((k) => `    adj[node_at(run.h0_off, ${k}u, i, lane)] += h0[${k}];\n`)
  }  }
}
`;
  return { source, workgroupSize: LW * NS, tapeFields: F, adjointOutputs: wrt.length };
}
