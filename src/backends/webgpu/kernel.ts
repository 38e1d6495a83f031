// WGSL code generation for a CompiledModel: fills kernels/simulate.wgsl's slots with the
// model's constants and functions (from the expression AST via emitExpr), the integrator and
// the observables to record or average, and prepends kernels/philox.wgsl. Everything that
// varies between runs of the same model (network size, delays, dt, lanes, chunking) is a
// uniform, so one compiled pipeline serves every shape.
import { emitExpr, floatLiteral } from "../../codegen/emit.ts";
import { WGSL } from "../../generated/wgsl.ts";
import type { CompiledModel } from "../../models/spec.ts";
import type { Integrator } from "../../sim/prepare.ts";

export interface KernelOptions {
  integrator: Integrator;
  /** Indices into model.observables recorded each sample (layout [observable][lane][sample][node]). */
  recordIdx: number[];
  /** Indices into model.observables summed every step (layout [lane][node][observable]). */
  averageIdx: number[];
  /** Invocations per workgroup (one workgroup per lane). Default 64. */
  workgroupSize?: number;
}

export interface SimulationKernel {
  source: string;
  workgroupSize: number;
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

/** The model's constants and functions (drift, diffusion, derived, coupled, init) in WGSL. */
export function emitModelWgsl(m: CompiledModel): string {
  const S = m.stateNames.length;
  const P = m.paramNames.length;
  const K = m.coupling.length;
  const NZ = m.noiseStates.length;
  const D = m.derived.length;
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
  const derivedLets = m.derived.map((d) => `  let d_${d.name}: f32 = ${e(d.expr)};`).join("\n");
  const sig = `x: array<f32, N_STATES>, p: array<f32, N_PARAMS1>, c: array<f32, N_COUPLINGS1>, t: f32`;
  const lines = [
    `const N_STATES: u32 = ${S}u;`,
    `const N_PARAMS: u32 = ${P}u;`,
    `const N_PARAMS1: u32 = ${Math.max(P, 1)}u;`,
    `const N_COUPLINGS: u32 = ${K}u;`,
    `const N_COUPLINGS1: u32 = ${Math.max(K, 1)}u;`,
    `const N_NOISE1: u32 = ${Math.max(NZ, 1)}u;`,
    `const N_NOISE4: u32 = ${Math.max(Math.ceil(NZ / 4) * 4, 4)}u;`,
    `const N_DERIVED1: u32 = ${Math.max(D, 1)}u;`,
    "",
    `fn model_init() -> array<f32, N_STATES> {`,
    `  return ${arr(S, m.spec.states.map((s) => floatLiteral(s.init)))};`,
    `}`,
    "",
    // Slow states hold during the model step (drift 0 here) and step in model_slow_drift.
    `fn model_drift(${sig}) -> array<f32, N_STATES> {`,
    derivedLets,
    `  return ${arr(S, m.drift.map((d, k) => (m.slowStates.includes(k) ? "0.0" : e(d))))};`,
    `}`,
    "",
    `fn model_slow_drift(${sig}) -> array<f32, N_STATES> {`,
    derivedLets,
    `  return ${arr(S, m.drift.map((d, k) => (m.slowStates.includes(k) ? e(d) : "0.0")))};`,
    `}`,
    "",
    `fn model_diffusion(${sig}) -> array<f32, N_NOISE1> {`,
    derivedLets,
    `  return ${arr(Math.max(NZ, 1), NZ ? m.noiseStates.map((s) => e(m.diffusion[s]!)) : ["0.0"])};`,
    `}`,
    "",
    `fn model_derived(${sig}) -> array<f32, N_DERIVED1> {`,
    derivedLets,
    `  return ${arr(Math.max(D, 1), D ? m.derived.map((d) => `d_${d.name}`) : ["0.0"])};`,
    `}`,
    "",
    `fn model_coupled(x: array<f32, N_STATES>, p: array<f32, N_PARAMS1>) -> array<f32, N_COUPLINGS1> {`,
    `  return ${arr(Math.max(K, 1), K ? m.coupling.map((c) => e(c.of)) : ["0.0"])};`,
    `}`,
  ];
  return lines.join("\n");
}

/** The full simulation kernel for a model, integrator and observable selection. */
export function generateSimulationKernel(m: CompiledModel, opts: KernelOptions): SimulationKernel {
  const wg = opts.workgroupSize ?? 64;
  if (!Number.isInteger(wg) || wg < 1 || wg > 256) throw new KernelSourceError(`workgroupSize must be an integer in [1, 256], got ${wg}`);
  const S = m.stateNames.length;
  const NZ = m.noiseStates.length;
  const ind = "      ";
  const mins = m.spec.states.map((s) => s.min);
  const maxs = m.spec.states.map((s) => s.max);
  const clamp = (v: string) =>
    m.spec.states
      .map((_, s) => {
        const lo = mins[s], hi = maxs[s];
        if (lo === undefined && hi === undefined) return "";
        let expr = `${v}[${s}]`;
        if (lo !== undefined) expr = `max(${expr}, ${floatLiteral(lo)})`;
        if (hi !== undefined) expr = `min(${expr}, ${floatLiteral(hi)})`;
        return `${ind}${v}[${s}] = ${expr};\n`;
      })
      .join("");
  const addNoise = (v: string) => m.noiseStates.map((s, q) => `${ind}${v}[${s}] = ${v}[${s}] + run.sqrt_dt * g[${q}] * z[${q}];\n`).join("");

  const difference = m.coupling
    .map((c, k) => (c.form === "difference" ? `${ind}c[${k}] = c[${k}] - wsum * ring[ring_index(lane, ${k}u, now, i)];\n` : ""))
    .join("");
  let noise = "";
  for (let b = 0; b < NZ; b += 4) {
    noise += `${ind}{\n${ind}  let zb = philox_normals4(key.x, key.y, i, step, ${b >> 2}u);\n`;
    for (let q = 0; q < 4 && b + q < NZ; q++) noise += `${ind}  z[${b + q}] = zb[${q}];\n`;
    noise += `${ind}}\n`;
  }

  let integrate = `${ind}let f = model_drift(x, p, c, t);\n`;
  if (NZ) integrate += `${ind}let g = model_diffusion(x, p, c, t);\n`;
  if (opts.integrator === "heun") {
    integrate += `${ind}var xt: array<f32, N_STATES>;\n`;
    for (let s = 0; s < S; s++) integrate += `${ind}xt[${s}] = x[${s}] + run.dt * f[${s}];\n`;
    integrate += addNoise("xt") + clamp("xt");
    integrate += `${ind}let f2 = model_drift(xt, p, c, t + run.dt);\n`;
    for (let s = 0; s < S; s++) integrate += `${ind}x[${s}] = x[${s}] + run.half_dt * (f[${s}] + f2[${s}]);\n`;
  } else if (opts.integrator === "euler") {
    for (let s = 0; s < S; s++) integrate += `${ind}x[${s}] = x[${s}] + run.dt * f[${s}];\n`;
  } else {
    throw new KernelSourceError(`integrator must be "euler" or "heun", got '${String(opts.integrator)}'`);
  }
  integrate += addNoise("x") + clamp("x");
  if (m.slowStates.length) {
    integrate += `${ind}if (slow_here) {\n${ind}  let fs = model_slow_drift(x, p, c, t + run.dt);\n`;
    for (const k of m.slowStates) integrate += `${ind}  x[${k}] = x[${k}] + run.slow_dt * fs[${k}];\n`;
    integrate += `${clamp("x")}${ind}}\n`;
  }

  const needDerived = [...opts.recordIdx, ...opts.averageIdx].some((k) => k >= S);
  const obs = (k: number) => (k < S ? `x[${k}]` : `dv[${k - S}]`);
  let observe = "";
  if (needDerived) observe += `${ind}let dv = model_derived(x, p, c, t + run.dt);\n`;
  if (opts.recordIdx.length) {
    observe += `${ind}if (record_here) {\n`;
    opts.recordIdx.forEach((k, r) => {
      observe += `${ind}  rec[((${r}u * run.lane_count + lane) * run.chunk_count + sample_in_chunk) * n + i] = ${obs(k)};\n`;
    });
    observe += `${ind}}\n`;
  }
  const nAvg = opts.averageIdx.length;
  opts.averageIdx.forEach((k, a) => {
    observe += `${ind}sums[(lane * n + i) * ${nAvg}u + ${a}u] += ${obs(k)};\n`;
  });

  const body = piece("simulate")
    .replace("/*@MODEL@*/", `const WG: u32 = ${wg}u;\n\n${emitModelWgsl(m)}`)
    .replace("/*@DIFFERENCE@*/\n", difference)
    .replace("/*@NOISE@*/\n", noise)
    .replace("/*@INTEGRATE@*/\n", integrate)
    .replace("/*@OBSERVE@*/\n", observe);
  return { source: `${piece("philox")}\n${body}`, workgroupSize: wg, entryPoints: { init: "sim_init", step: "sim_step" } };
}
