// WGSL emitter for the WebGPU simulation kernel (beside the AssemblyScript one in asm.ts):
// fills kernels/simulate.wgsl's slots with the model's constants and functions (from the
// expression AST via emitExpr) and the integration step, generated stage by stage from the
// CompiledModel in the reference's order (src/backends/reference.ts header): coupling,
// difference coupling, noise, drift + integrator, clamps, slow step, ring write, record. It
// prepends kernels/philox.wgsl. Everything that varies between runs of the same model and
// coupling path (network size, delays, dt, lanes, chunking) is a uniform, so one compiled
// pipeline serves every shape.
import { emitExpr, floatLiteral } from "./emit.ts";
import { describeStep, pruneLets, STEP_TIMES, stepInput, type StepLet } from "./step.ts";
import { freeVariables } from "../models/expr.ts";
import { WGSL } from "../generated/wgsl.ts";
import type { CompiledModel } from "../models/spec.ts";
import type { Integrator } from "../batch/prepare.ts";

export interface KernelOptions {
  integrator: Integrator;
  /** Indices into model.observables recorded each sample (GPU layout [observable][sample][node][lane]). */
  recordIdx: number[];
  /** Indices into model.observables summed every step (GPU layout [node][observable][lane]). */
  averageIdx: number[];
  /** Lanes per workgroup (adjacent invocations = adjacent lanes). Default 32. */
  lanesPerWorkgroup?: number;
  /** Node slices per workgroup (invocations per lane; > 1 adds one barrier per step). Default 1. */
  nodeSlices?: number;
  /**
   * Lanes per invocation (lanes (wid.x·LM + m)·LW + lx for m < LM): every load of the network
   * then serves LM lanes. Default 1 (GPUs); software adapters gain from more, since llvmpipe
   * fetches a uniform load once per invocation and vector lane.
   */
  lanesPerInvocation?: number;
  /**
   * "csr": one delayed read per edge from the ring; "dense": no delays, coupling as a dense
   * matrix product over tiles of DENSE_TILE nodes (each h_j load serves the whole tile).
   * Default "csr".
   */
  coupling?: CouplingPath;
  /** Every workgroup's lanes share one noise key: draw normals once per workgroup (see sharedNoiseStage). */
  sharedNoise?: boolean;
  /**
   * Regional parameters (indices into paramNames) that have the same value at every node of each
   * lane in this run: loaded once per dispatch like global ones instead of per node and step
   * (the driver finds them: paramsSameAtEveryNode). Default none.
   */
  paramsSameAtEveryNode?: readonly number[];
  /**
   * Hold the fast (non-slow) states of the invocation's nodes and lanes in workgroup memory for
   * the whole dispatch: loaded from storage at its start, stored at its end, instead of every
   * step (on a GPU, 16 of rWW's 31 B per node-step). The network's node count, which sizes the
   * array; 0 or undefined: states stay in storage. The same bits either way.
   */
  heldNodes?: number;
}

export type CouplingPath = "csr" | "dense";

/** Nodes per register tile of the dense coupling path (the net buffer's rows are padded to it). */
export const DENSE_TILE = 4;

export interface SimulationKernel {
  source: string;
  /** Invocations per workgroup: lanesPerWorkgroup × nodeSlices. */
  workgroupSize: number;
  lanesPerWorkgroup: number;
  nodeSlices: number;
  lanesPerInvocation: number;
  coupling: CouplingPath;
  /** Entry points: `sim_init` writes initial states and history, `sim_step` advances Run.n_steps steps. */
  entryPoints: { init: "sim_init"; step: "sim_step" };
}

/** Bytes of the Run uniform (see kernels/simulate.wgsl). */
export const RUN_UNIFORM_BYTES = 64;

export class KernelSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelSourceError";
  }
}

function piece(name: string): string {
  const src = WGSL[name];
  if (src === undefined) {
    throw new KernelSourceError(`kernels/${name}.wgsl is not embedded in src/generated/wgsl.ts; run \`node scripts/build.mjs\``);
  }
  return src;
}

const arr = (n: number, items: string[]) => `array<f32, ${n}>(${items.join(", ")})`;

/** The model's constants, initial state and coupled quantity (for the initial history) in WGSL. */
export function emitModelWgsl(m: CompiledModel): string {
  const S = m.stateNames.length;
  const P = m.paramNames.length;
  const K = m.coupling.length;
  const resolve = (name: string): string => {
    const si = m.stateNames.indexOf(name);
    if (si >= 0) return `x[${si}]`;
    const pi = m.paramIndex[name];
    if (pi !== undefined) return `p[${pi}]`;
    const ci = m.couplingNames.indexOf(name);
    if (ci >= 0) return `c[${ci}]`;
    if (name === "t") return "t";
    return `d_${name}`;
  };
  const e = (x: Parameters<typeof emitExpr>[0]) => emitExpr(x, "wgsl", resolve);
  const lines = [
    `const N_STATES: u32 = ${S}u;`,
    `const N_PARAMS: u32 = ${P}u;`,
    `const N_PARAMS1: u32 = ${Math.max(P, 1)}u;`,
    `const N_COUPLINGS: u32 = ${K}u;`,
    `const N_COUPLINGS1: u32 = ${Math.max(K, 1)}u;`,
    `const N_NOISE4: u32 = ${noise4(m)}u;`,
    "",
    `fn model_init() -> array<f32, N_STATES> {`,
    `  return ${arr(S, m.spec.states.map((s) => floatLiteral(s.init)))};`,
    `}`,
    "",
    // The history before t = 0 (sim_init); the step's own h_k come from the step description.
    `fn model_coupled(x: array<f32, N_STATES>, p: array<f32, N_PARAMS1>) -> array<f32, N_COUPLINGS1> {`,
    `  return ${arr(Math.max(K, 1), K ? m.coupling.map((c) => e(c.of)) : ["0.0"])};`,
    `}`,
  ];
  return lines.join("\n");
}

// ---- The integration step, one stage at a time (inside node_step unless said otherwise). ----
// Each stage returns WGSL statements; `ind` is the indentation of node_step's body.
const ind = "  ";

/**
 * The nodes one invocation integrates, as a loop around `body` (which reads `i`): with one slice
 * every node; with NS slices nodes ly, ly + NS, … on the CSR path and tiles of NT nodes on the
 * dense one, as couplingStage walks them.
 */
function ownNodesLoop(path: CouplingPath, nodeSlices: number, body: string, p: string): string {
  const first = nodeSlices > 1 ? "lid.y" : "0u";
  if (path === "csr") return `${p}for (var i = ${first}; i < run.n_nodes; i += NS) {\n${body}${p}}\n`;
  return `${p}for (var i0 = ${first} * NT; i0 < run.n_nodes; i0 += NS * NT) {\n` +
    `${p}  for (var i = i0; i < min(i0 + NT, run.n_nodes); i++) {\n${body}${p}  }\n${p}}\n`;
}

/**
 * Held fast states (KernelOptions.heldNodes): sim_step copies its nodes' fast states of its LM
 * lanes from storage into workgroup memory before the first step and back after the last. Each
 * invocation touches only its own (node, lane) entries, so no barrier is needed.
 */
function holdStages(m: CompiledModel, path: CouplingPath, nodeSlices: number): { into: string; back: string } {
  const fast = fastStates(m);
  const copy = (toHeld: boolean) => {
    let body = "";
    fast.forEach((k, f) => {
      const held = `held[held_at(i, ${f}u, lanes[m])]`, st = `state[state_at(i, ${k}u, lanes[m])]`;
      body += `        ${toHeld ? `${held} = ${st}` : `${st} = ${held}`};\n`;
    });
    return `  for (var m = 0u; m < LM; m++) {\n${ownNodesLoop(path, nodeSlices, body, "    ")}  }\n`;
  };
  return { into: copy(true), back: copy(false) };
}

/** Coupling (in sim_step, per node or node tile): c_k = Σ_j w_ij h_k,j(step − d_ij), and Σ_j w_ij. */
function couplingStage(m: CompiledModel, path: CouplingPath, nodeSlices: number, LM: number): string {
  const K = m.coupling.length;
  const p = "    ";
  const lanes = Array.from({ length: LM }, (_, l) => l);
  // With one slice the node loop starts at 0 for every invocation: the loop, the edge loads
  // and the weights are then uniform (broadcasts on GPUs); each serves the invocation's LM lanes.
  const first = nodeSlices > 1 ? "lid.y" : "0u";
  // Lane m's ring tile (its block of LW lanes), in ring elements.
  const tiles = (perTile: string) =>
    lanes.map((l) => `${p}let ring_tile${l} = (wid.x * LM + ${l}u) * N_COUPLINGS1 * 2u * R * ${perTile};\n`).join("");
  if (path === "csr") {
    let s = `${p}let edge_off = (n + 2u) & ~1u;\n` + tiles("n");
    s += `${p}// Slot now + R − d of the mirrored ring: node index (now + R)·N + (j − d·N).\n`;
    s += `${p}let row_base = i32((st.now + R) * n);\n`;
    s += `${p}for (var i = ${first}; i < n; i += NS) {\n`;
    for (const l of lanes) s += `${p}  var c${l} = array<f32, N_COUPLINGS1>();\n`;
    s += `${p}  var wsum = 0.0;\n`;
    s += `${p}  for (var e = net[i]; e < net[i + 1u]; e++) {\n`;
    s += `${p}    let at = u32(row_base + bitcast<i32>(net[edge_off + 2u * e]));\n`;
    s += `${p}    let w = bitcast<f32>(net[edge_off + 2u * e + 1u]);\n`;
    for (const l of lanes) {
      for (let k = 0; k < K; k++) s += `${p}    c${l}[${k}] += w * ring[(ring_tile${l} + ${k}u * 2u * R * n + at) * LW + lx];\n`;
    }
    s += `${p}    wsum += w;\n${p}  }\n`;
    // One call site per lane, with constant indices, so the per-lane arrays stay in registers.
    for (const l of lanes) s += `${p}  node_step(lanes[${l}u], i, keys_m[${l}u], st, c${l}, wsum, pgs[${l}u]);\n`;
    s += `${p}}\n`;
    return s;
  }
  // Dense: a register tile of NT rows × 4 sources × LM lanes. One vec4 load brings h_k of four
  // sources of one lane (coalesced across lanes) and serves all NT rows; the weights are uniform
  // loads that serve all LM lanes. Sources are added one at a time in index order, as the CSR
  // path and the reference do.
  const NT = DENSE_TILE;
  const rows = Array.from({ length: NT }, (_, t) => t);
  let s = `${p}let n4 = (n + 3u) / 4u;\n` + tiles("n4");
  s += `${p}let h_base = (st.now + R) * n4;\n`;
  s += `${p}for (var i0 = ${first} * NT; i0 < n; i0 += NS * NT) {\n`;
  for (const l of lanes) for (const t of rows) s += `${p}  var c${t}_${l} = array<f32, N_COUPLINGS1>();\n`;
  for (const t of rows) s += `${p}  var wsum${t} = 0.0;\n`;
  s += `${p}  for (var j4 = 0u; j4 < n4; j4++) {\n`;
  for (const t of rows) s += `${p}    let w${t} = net[(i0 + ${t}u) * n4 + j4];\n`;
  for (const l of lanes) {
    for (let k = 0; k < K; k++) {
      s += `${p}    let h${k}_${l} = ring[(ring_tile${l} + ${k}u * 2u * R * n4 + h_base + j4) * LW + lx];\n`;
      for (const t of rows) {
        for (const q of ["x", "y", "z", "w"]) s += `${p}    c${t}_${l}[${k}] += w${t}.${q} * h${k}_${l}.${q};\n`;
      }
    }
  }
  for (const t of rows) s += `${p}    wsum${t} += w${t}.x + w${t}.y + w${t}.z + w${t}.w;\n`;
  s += `${p}  }\n`;
  // One call site per lane for the tile's nodes: node_step is inlined LM times, not NT·LM (compile time).
  const list = (f: (t: number) => string) => rows.map(f).join(", ");
  for (const l of lanes) s += `${p}  let cs${l} = array<array<f32, N_COUPLINGS1>, NT>(${list((t) => `c${t}_${l}`)});\n`;
  s += `${p}  let ws = array<f32, NT>(${list((t) => `wsum${t}`)});\n`;
  s += `${p}  for (var t = 0u; t < min(NT, n - i0); t++) {\n`;
  for (const l of lanes) s += `${p}    node_step(lanes[${l}u], i0 + t, keys_m[${l}u], st, cs${l}[t], ws[t], pgs[${l}u]);\n`;
  s += `${p}  }\n${p}}\n`;
  return s;
}

/**
 * Parameter loads: global parameters (one value per lane, the same at every node), and regional
 * ones that this run gives the same value at every node (`sameAtEveryNode`), come from registers
 * loaded once per dispatch (load_globals); the other regional ones are loaded per node and step.
 */
function paramAccess(m: CompiledModel, sameAtEveryNode: readonly number[]): string {
  const P = m.paramNames.length;
  const global = m.paramNames.map((name, k) =>
    m.spec.parameters.find((q) => q.name === name)?.scope === "global" || sameAtEveryNode.includes(k)
  );
  let s = "fn load_globals(lane: u32) -> array<f32, N_PARAMS1> {\n  var pg: array<f32, N_PARAMS1>;\n";
  for (let k = 0; k < P; k++) if (global[k]) s += `  pg[${k}] = params[param_at(0u, ${k}u, lane)];\n`;
  s += "  return pg;\n}\n\n";
  s += "fn load_params(lane: u32, i: u32, pg: array<f32, N_PARAMS1>) -> array<f32, N_PARAMS1> {\n  var p: array<f32, N_PARAMS1>;\n";
  for (let k = 0; k < P; k++) s += global[k] ? `  p[${k}] = pg[${k}];\n` : `  p[${k}] = params[param_at(i, ${k}u, lane)];\n`;
  return s + "  return p;\n}\n";
}

/**
 * Ring element types and accessors of each coupling path (see kernels/simulate.wgsl). The ring
 * is tiled by workgroup: [lane / LW][coupling][slot][node][lane % LW], so one workgroup's
 * history is contiguous (cache- and TLB-friendly on CPU adapters) and a subgroup's delayed
 * read is still one contiguous load.
 */
function ringAccess(path: CouplingPath): string {
  const R = "run.ring_len";
  if (path === "csr") {
    const at = `((((lane / LW) * N_COUPLINGS1 + k) * 2u * ${R} + slot) * run.n_nodes + i) * LW + lane % LW`;
    return [
      "alias RingT = f32;",
      "alias NetT = u32;",
      `fn ring_get(k: u32, slot: u32, i: u32, lane: u32) -> f32 {\n  return ring[${at}];\n}`,
      `fn ring_set(k: u32, slot: u32, i: u32, lane: u32, v: f32) {\n  ring[${at}] = v;\n}`,
    ].join("\n") + "\n";
  }
  const cell = `((((lane / LW) * N_COUPLINGS1 + k) * 2u * ${R} + slot) * ((run.n_nodes + 3u) / 4u) + i / 4u) * LW + lane % LW`;
  return [
    "alias RingT = vec4<f32>;",
    "alias NetT = vec4<f32>;",
    `fn ring_get(k: u32, slot: u32, i: u32, lane: u32) -> f32 {\n  return ring[${cell}][i % 4u];\n}`,
    `fn ring_set(k: u32, slot: u32, i: u32, lane: u32, v: f32) {\n  ring[${cell}][i % 4u] = v;\n}`,
  ].join("\n") + "\n";
}

/**
 * State load and store. Fast equations never read slow states (compileModel enforces it), so
 * slow states (e.g. BOLD) are loaded only on slow steps and where an observable may need them,
 * and stored only on slow steps, the only steps that change them.
 */
function stateStages(m: CompiledModel, recordIdx: number[], averageIdx: number[], held: boolean): { load: string; store: string } {
  const S = m.stateNames.length;
  if (!m.slowStates.length && !held) {
    return { load: `${ind}var x = load_state(lane, i);\n`, store: `${ind}store_state(lane, i, x);\n` };
  }
  const fast = fastStates(m);
  // Derived quantities may read slow states: treat every derived observable as needing them.
  const needsSlow = (k: number) => k >= S || m.slowStates.includes(k);
  const always = averageIdx.some(needsSlow);
  const cond = always ? "" : ["st.slow_here", ...(recordIdx.some(needsSlow) ? ["st.record_here"] : [])].join(" || ");
  const at = (k: number) => held && fast.includes(k) ? `held[held_at(i, ${fast.indexOf(k)}u, lane)]` : `state[state_at(i, ${k}u, lane)]`;
  const get = (k: number, pad: string) => `${pad}x[${k}] = ${at(k)};\n`;
  const put = (k: number, pad: string) => `${pad}${at(k)} = x[${k}];\n`;
  let load = `${ind}var x: array<f32, N_STATES>;\n` + fast.map((k) => get(k, ind)).join("");
  let store = fast.map((k) => put(k, ind)).join("");
  if (m.slowStates.length) {
    load += always
      ? m.slowStates.map((k) => get(k, ind)).join("")
      : `${ind}if (${cond}) {\n${m.slowStates.map((k) => get(k, ind + "  ")).join("")}${ind}}\n`;
    store += `${ind}if (st.slow_here) {\n${m.slowStates.map((k) => put(k, ind + "  ")).join("")}${ind}}\n`;
  }
  return { load, store };
}

/** Noise: z = Philox normals of (seed, stream, node, step, channel), four per Philox block. */
function noiseStage(m: CompiledModel, shared: boolean): string {
  const NZ = m.noiseStates.length;
  let s = "";
  if (shared) {
    // Drawn once per workgroup and step into wz (sharedNoiseStage); the same bits.
    for (let q = 0; q < NZ; q++) s += `${ind}z[${q}] = wz[i * N_NOISE4 + ${q}u];\n`;
    return s;
  }
  for (let b = 0; b < NZ; b += 4) {
    s += `${ind}{\n${ind}  let zb = philox_normals4(key.x, key.y, i, step, ${b >> 2}u);\n`;
    for (let q = 0; q < 4 && b + q < NZ; q++) s += `${ind}  z[${b + q}] = zb[${q}];\n`;
    s += `${ind}}\n`;
  }
  return s;
}

/** N_NOISE4: normals per node and step, rounded up to whole Philox blocks of four (at least one). */
function noise4(m: CompiledModel): number {
  return Math.max(Math.ceil(m.noiseStates.length / 4) * 4, 4);
}

/**
 * Bytes of workgroup memory a kernel with these options declares: the shared normals (sized to
 * the network when its node count is known, heldNodes) and the held fast states.
 */
export function kernelWorkgroupBytes(
  m: CompiledModel,
  o: { lanesPerWorkgroup: number; lanesPerInvocation: number; sharedNoise: boolean; heldNodes: number },
): number {
  const a = workgroupArrays(m, o);
  return 4 * (a.wz + a.held);
}

/** Floats of the kernel's workgroup arrays: wz (shared normals; 0 without) and held (held fast states; 0 without). */
function workgroupArrays(
  m: CompiledModel,
  o: { lanesPerWorkgroup: number; lanesPerInvocation: number; sharedNoise: boolean; heldNodes: number },
): { wz: number; held: number } {
  const wz = o.sharedNoise && m.noiseStates.length > 0 ? (o.heldNodes || sharedNoiseMaxNodes(m)) * noise4(m) : 0;
  return { wz, held: o.heldNodes * Math.max(fastStates(m).length, 1) * o.lanesPerWorkgroup * o.lanesPerInvocation };
}

/** Indices of the states that are not slow (the ones held across a dispatch, and loaded every step). */
function fastStates(m: CompiledModel): number[] {
  return m.stateNames.map((_, k) => k).filter((k) => !m.slowStates.includes(k));
}

/** Most nodes whose normals fit the shared-noise workgroup array (12 KB of the 16 KB WebGPU guarantees). */
export function sharedNoiseMaxNodes(m: CompiledModel): number {
  return Math.floor(12288 / (4 * noise4(m)));
}

/**
 * Lanes that share one noise key (the default "shared" noise, and a fit's candidates) draw the
 * same normals: with sharedNoise the workgroup's invocations draw one step's normals for every
 * node once, into workgroup memory, instead of every lane drawing its own (Philox + Box–Muller
 * is ~40 % of an rWW node-step's operations, docs/webgpu.md). The driver uses it only when every
 * workgroup's lanes share one key; the normals are the same bits either way.
 */
function sharedNoiseStage(m: CompiledModel): string {
  const NZ = m.noiseStates.length;
  const p = "    ";
  let s = `${p}{\n${p}  // this step's normals for every node, drawn once for the workgroup's lanes (one key)\n`;
  s += `${p}  let key0 = keys[wid.x * LW * LM];\n`;
  s += `${p}  for (var j = lid.y * LW + lid.x; j < n; j += LW * NS) {\n`;
  for (let b = 0; b < NZ; b += 4) {
    s += `${p}    let zb${b >> 2} = philox_normals4(key0.x, key0.y, j, st.step, ${b >> 2}u);\n`;
    for (let q = 0; q < 4 && b + q < NZ; q++) s += `${p}    wz[j * N_NOISE4 + ${b + q}u] = zb${b >> 2}[${q}];\n`;
  }
  s += `${p}  }\n${p}}\n${p}workgroupBarrier();\n`;
  return s;
}

/**
 * The step description's time scalars (STEP_TIMES) and row weight sum as WGSL expressions, for
 * the simulation kernel and the gradient kernels (grad/wgsl.ts) alike: both name their uniform
 * `run` with dt, half_dt, sqrt_dt and slow_dt, and their row weight sum `wsum`.
 */
export const WGSL_STEP_SCALARS: Readonly<Record<(typeof STEP_TIMES)[number] | "wsum", string>> = {
  t: "t",
  t1: "(t + run.dt)",
  dt: "run.dt",
  half_dt: "run.half_dt",
  sqrt_dt: "run.sqrt_dt",
  slow_dt: "run.slow_dt",
  wsum: "wsum",
};

/**
 * The step's arithmetic from the one description (codegen/step.ts), in f32: difference
 * coupling, drift and diffusion, the integrator with clamps, the slow step on slow steps, the new
 * state into x, h_k into the ring for step + 1, and the derived observables that are recorded or
 * averaged. Inputs are read where first used: states from x, parameters from p, the coupling
 * sum from c_in, this node's own h(step) from the ring, normals from z.
 */
function stepStage(m: CompiledModel, integrator: Integrator, recordIdx: number[], averageIdx: number[]): string {
  if (integrator !== "euler" && integrator !== "heun") {
    throw new KernelSourceError(`integrator must be "euler" or "heun", got '${String(integrator)}'`);
  }
  const desc = describeStep(m);
  const S = m.stateNames;
  const SCALARS: Readonly<Record<string, string>> = WGSL_STEP_SCALARS;
  const input = (name: string): string => {
    const found = stepInput(m, name);
    const k = found?.index;
    switch (found?.role) {
      case "x":
        return `x[${k}]`;
      case "p":
        return `p[${k}]`;
      case "cs":
        return `c_in[${k}]`;
      case "hs":
        return `ring_get(${k}u, st.now, i, lane)`;
      case "z":
        return `z[${k}]`;
      default: // time scalars and wsum are SCALARS
        throw new KernelSourceError(`model '${m.name}': the step reads '${name}', which the WGSL kernel does not provide`);
    }
  };
  const local = (name: string) => SCALARS[name] ?? name;
  let out = "";
  const lets = (block: StepLet[], pad: string, scope: Set<string>) => {
    for (const l of block) {
      for (const name of freeVariables(l.expr)) {
        if (scope.has(name) || name in SCALARS) continue;
        out += `${pad}let ${name} = ${input(name)};\n`;
        scope.add(name);
      }
      const e = wgslLetValue(l, local);
      out += scope.has(l.name) ? `${pad}${l.name} = ${e};\n` : `${pad}let ${l.name} = ${e};\n`;
      scope.add(l.name);
    }
  };
  const top = new Set<string>();
  lets([...desc.coupling, ...desc.start, ...desc.integrate[integrator]], ind, top);
  if (desc.slowStates.length) {
    for (const k of desc.slowStates) out += `${ind}var n_${S[k]} = x[${k}];\n`;
    desc.slowStates.forEach((k) => top.add(`n_${S[k]}`));
    out += `${ind}if (st.slow_here) {\n`;
    lets(desc.slow, ind + "  ", new Set(top));
    out += `${ind}}\n`;
  }
  S.forEach((s, k) => (out += `${ind}x[${k}] = n_${s};\n`));
  out += `/*@STORE_STATE@*/\n`;
  lets(desc.coupled, ind, top);
  out += `${ind}// the new coupled values enter the ring for step + 1 (and its mirror)\n`;
  desc.coupled.forEach((
    l,
    k,
  ) => (out +=
    `${ind}ring_set(${k}u, st.next, i, lane, ${l.name});\n${ind}ring_set(${k}u, st.next + run.ring_len, i, lane, ${l.name});\n`)
  );
  const needed = [...recordIdx, ...averageIdx].filter((k) => k >= S.length).map((k) => `nd_${m.observables[k]}`);
  lets(pruneLets(desc.derived, needed), ind, top);
  return out;
}

/**
 * A let's value in f32 WGSL: its expression with names resolved by `local`, then its clamps
 * (the gradient kernels in grad/wgsl.ts emit the step and its adjoint with this too).
 */
export function wgslLetValue(l: StepLet, local: (name: string) => string): string {
  let e = emitExpr(l.expr, "wgsl", local);
  if (l.min !== undefined) e = `max(${e}, ${floatLiteral(l.min)})`;
  if (l.max !== undefined) e = `min(${e}, ${floatLiteral(l.max)})`;
  return e;
}

/** Recorded samples and running sums of the new state (derived values with this step's coupling). */
function recordStage(m: CompiledModel, recordIdx: number[], averageIdx: number[]): string {
  const S = m.stateNames.length;
  const obs = (k: number) => (k < S ? `x[${k}]` : `nd_${m.observables[k]}`);
  let s = "";
  if (recordIdx.length) {
    s += `${ind}if (st.record_here) {\n`;
    recordIdx.forEach((k, r) => {
      s += `${ind}  rec[((${r}u * run.chunk_count + st.sample_in_chunk) * n + i) * run.lane_count + lane] = ${obs(k)};\n`;
    });
    s += `${ind}}\n`;
  }
  const nAvg = averageIdx.length;
  averageIdx.forEach((k, a) => {
    s += `${ind}sums[(i * ${nAvg}u + ${a}u) * run.lane_count + lane] += ${obs(k)};\n`;
  });
  return s;
}

function checkedCount(v: number, name: string, max: number): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new KernelSourceError(`${name} must be an integer in [1, ${max}], got ${v}`);
  return v;
}

/** The full simulation kernel for a model, integrator, observable selection and coupling path. */
export function generateSimulationKernel(m: CompiledModel, opts: KernelOptions): SimulationKernel {
  const LW = checkedCount(opts.lanesPerWorkgroup ?? 32, "lanesPerWorkgroup", 256);
  const NS = checkedCount(opts.nodeSlices ?? 1, "nodeSlices", 256);
  if (LW * NS > 256) {
    throw new KernelSourceError(`lanesPerWorkgroup × nodeSlices must be <= 256 (WebGPU's default limit), got ${LW} × ${NS}`);
  }
  const LM = checkedCount(opts.lanesPerInvocation ?? 1, "lanesPerInvocation", 16);
  const coupling = opts.coupling ?? "csr";
  if (coupling !== "csr" && coupling !== "dense") {
    throw new KernelSourceError(`coupling must be "csr" or "dense", got '${String(coupling)}'`);
  }
  const heldNodes = opts.heldNodes ? checkedCount(opts.heldNodes, "heldNodes", 1 << 16) : 0;
  const states = stateStages(m, opts.recordIdx, opts.averageIdx, heldNodes > 0);
  const shared = !!opts.sharedNoise && m.noiseStates.length > 0;
  const consts = `const LW: u32 = ${LW}u;\nconst NS: u32 = ${NS}u;\nconst LM: u32 = ${LM}u;\nconst NT: u32 = ${DENSE_TILE}u;\n\n`;
  // With the node count known (held states), the shared normals take only what the network needs.
  const arrays = workgroupArrays(m, { lanesPerWorkgroup: LW, lanesPerInvocation: LM, sharedNoise: shared, heldNodes });
  const wz = shared ? `var<workgroup> wz: array<f32, ${arrays.wz}>;\n\n` : "";
  const held = heldNodes
    ? `// fast states of this workgroup's lanes [node][fast state][lane % (LW·LM)] (KernelOptions.heldNodes)\n` +
      `var<workgroup> held: array<f32, ${arrays.held}>;\n` +
      `fn held_at(i: u32, f: u32, lane: u32) -> u32 {\n  return (i * ${
        Math.max(fastStates(m).length, 1)
      }u + f) * (LW * LM) + lane % (LW * LM);\n}\n\n`
    : "";
  const hold = heldNodes ? holdStages(m, coupling, NS) : { into: "", back: "" };
  const body = piece("simulate")
    .replace(
      "/*@MODEL@*/",
      consts + wz + held + ringAccess(coupling) + "\n" + paramAccess(m, opts.paramsSameAtEveryNode ?? []) + "\n" + emitModelWgsl(m),
    )
    .replace("/*@LOAD_STATE@*/\n", states.load)
    .replace("/*@STEP@*/\n", stepStage(m, opts.integrator, opts.recordIdx, opts.averageIdx))
    .replace("/*@STORE_STATE@*/\n", states.store)
    .replace("/*@NOISE@*/\n", noiseStage(m, shared))
    .replace("/*@RECORD@*/\n", recordStage(m, opts.recordIdx, opts.averageIdx))
    .replace("/*@SHARED_NOISE@*/\n", shared ? sharedNoiseStage(m) : "")
    .replace("/*@COUPLING@*/\n", couplingStage(m, coupling, NS, LM))
    .replace("/*@HOLD_IN@*/\n", hold.into)
    .replace("/*@HOLD_OUT@*/\n", hold.back)
    // NS > 1: ring writes before the next step's reads; shared noise: wz read before rewritten.
    .replace("/*@BARRIER@*/\n", NS > 1 ? "    storageBarrier();\n    workgroupBarrier();\n" : shared ? "    workgroupBarrier();\n" : "");
  return {
    source: `${piece("philox")}\n${body}`,
    workgroupSize: LW * NS,
    lanesPerWorkgroup: LW,
    nodeSlices: NS,
    lanesPerInvocation: LM,
    coupling,
    entryPoints: { init: "sim_init", step: "sim_step" },
  };
}
