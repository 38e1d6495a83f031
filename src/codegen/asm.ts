// AssemblyScript emitter for the WASM SIMD integrator. A lane group holds 4·W simulations:
// W f32x4 vectors per node and quantity, lanes innermost in memory. The generated `run`
// integrates one lane group for a block of steps in exactly the order of
// src/backends/reference.ts (see its header), in float32. W > 1 amortises each edge's offset
// and weight loads over W vectors in the coupling loop, the dominant cost on dense connectomes.
import { type Expr, freeVariables } from "../models/expr.ts";
import type { CompiledModel } from "../models/spec.ts";
import { emitExpr, floatLiteral } from "./emit.ts";

/** Bump when the kernel ABI (run's arguments or memory layout) changes. */
export const ASM_ABI_VERSION = 8;

/** Vectors per lane group that built-in kernels are compiled for. */
export const ASM_WIDTHS = [1, 2, 4] as const;
export type AsmWidth = (typeof ASM_WIDTHS)[number];

/**
 * Steps whose delayed coupling one pass over the edges computes when every delay is at least
 * that long (8 / width: 8 f32x4 accumulators per pass). See the ring layout in emitAsmKernel.
 */
export function asmBlockSteps(width: AsmWidth, layout: AsmLayout = "lanes"): number {
  return layout === "nodes" ? 8 : 8 / width;
}

/**
 * "lanes": an f32x4 holds 4 simulations at one node (lane groups of 4·width simulations).
 * "nodes": an f32x4 holds 4 nodes of one simulation (width 1): a single simulation pays no
 * padding lanes. The model code is the same; only where its inputs come from differs.
 */
export type AsmLayout = "lanes" | "nodes";

/** The kernels built in for every built-in model (each also as relaxed SIMD). */
export const ASM_VARIANTS: readonly AsmKernelOptions[] = [...ASM_WIDTHS.map((width) => ({ width })), { layout: "nodes" }];

/** The file a built kernel ships as: <model>.<w1|w2|w4|nodes>.<simd|relaxed>.wasm. */
export function asmKernelFile(modelName: string, opts: AsmKernelOptions): string {
  return `${modelName}.${opts.layout === "nodes" ? "nodes" : `w${opts.width ?? 1}`}.${opts.relaxed ? "relaxed" : "simd"}.wasm`;
}

export interface AsmKernelOptions {
  /** f32x4 vectors per lane group (lanes per group = 4·width). */
  width?: AsmWidth;
  /** Use relaxed SIMD's fused multiply-add (Deno, Bun, browsers; not Node 20). */
  relaxed?: boolean;
  /** What the four lanes of a vector are (default "lanes"; "nodes" implies width 1). */
  layout?: AsmLayout;
}

export function emitAsmKernel(m: CompiledModel, opts: AsmKernelOptions = {}): string {
  const NODES = opts.layout === "nodes";
  const W = NODES ? 1 : (opts.width ?? 1);
  const fma = (a: string, b: string, c: string) => (opts.relaxed ? `f32x4.relaxed_madd(${a}, ${b}, ${c})` : `f32x4.add(f32x4.mul(${a}, ${b}), ${c})`);
  // Ring address of an edge's delayed source (edges are [source byte offset, delay bytes,
  // weight]): (now − delay) wraps into the ring with one select. `at` is the edge's byte offset.
  const edgeSource = (suffix: string, at = 0) => [
    `const rel${suffix} = nowB - load<i32>(edge, ${at + 4});`,
    `const src${suffix} = ringK + <usize>load<i32>(edge${at ? `, ${at}` : ""}) + <usize>select<i32>(rel${suffix} + ringSlotsB, rel${suffix}, rel${suffix} < 0);`,
  ];
  const P = m.paramNames.length;
  const D = m.derived.length;
  const NZ = m.noiseStates.length;
  // Byte offset of vector v of (row, node i) in a [row][node][W vectors] array.
  // Node-axis cells of the integration loop: nodes ("lanes") or blocks of four nodes ("nodes").
  const at = (row: string, v: number) => `(<usize>((${row}) * nn + i) * ${W * 16} + ${v * 16})`;
  // Resolvers per stage (a: start of step, b: Heun predictor, n: new state) and vector v.
  const stage = (prefix: string, v: number) => (name: string): string => {
    if (m.stateNames.includes(name)) return `${prefix}_${name}_${v}`;
    if (name in m.paramIndex) return `p_${name}_${v}`;
    if (m.couplingNames.includes(name)) return `c_${name}_${v}`;
    if (name === "t") return prefix === "a" ? "tv" : "tv1";
    return `${prefix}d_${name}_${v}`;
  };
  const emit = (e: Expr, prefix: string, v: number) => emitExpr(e, "as-simd", stage(prefix, v));
  // Slow-step stage: states are the new values n_*, derived quantities sd_*, time t + dt.
  const emitSlow = (e: Expr, v: number) =>
    emitExpr(e, "as-simd", (name) => (m.stateNames.includes(name) ? `n_${name}_${v}` : m.derived.some((d) => d.name === name) ? `sd_${name}_${v}` : stage("n", v)(name)));
  const isSlow = (k: number) => m.slowStates.includes(k);
  const fastStates = m.stateNames.map((s, k) => [s, k] as const).filter(([, k]) => !isSlow(k));
  const fastDerived = m.derived.filter((_, j) => m.derivedForFast[j]);
  const clampExpr = (s: number, x: string) => {
    const spec = m.spec.states[s]!;
    let out = x;
    // pmin/pmax: one instruction each on x86; NaN in x (the first operand) still propagates.
    if (spec.max !== undefined) out = `f32x4.pmin(${out}, f32x4.splat(<f32>${floatLiteral(spec.max)}))`;
    if (spec.min !== undefined) out = `f32x4.pmax(${out}, f32x4.splat(<f32>${floatLiteral(spec.min)}))`;
    return out;
  };
  const noiseOf = new Map(m.noiseStates.map((s, q) => [s, q]));
  // Memory traffic: a parameter is loaded where it is first needed. The fast step loads what its
  // derived quantities, drifts, diffusions and coupled quantities read; the slow step (1 step in
  // slowEvery) and the observation block load the rest themselves, and slow states are loaded
  // and stored only there (nothing else reads them). Binaryen cannot drop an unused load (it may
  // trap), so loading everything at the top costs rWW + BOLD 15 parameter and 6 state loads per
  // node and vector where the fast step needs 6 and 2.
  const fastExprs = [
    ...fastDerived.map((d) => d.expr),
    ...fastStates.map(([, k]) => m.drift[k]!),
    ...m.noiseStates.map((k) => m.diffusion[k]!),
    ...m.coupling.map((c) => c.of),
  ];
  const fastNames = new Set(fastExprs.flatMap((e) => freeVariables(e)));
  const fastParams = m.paramNames.filter((p) => fastNames.has(p));
  const otherParams = m.paramNames.filter((p) => !fastNames.has(p));
  const slowNames = new Set([...m.derived.filter((_, j) => m.derivedForSlow[j]).map((d) => d.expr), ...m.slowStates.map((k) => m.drift[k]!)].flatMap((e) => freeVariables(e)));
  const loadParam = (p: string, v: number) => `const p_${p}_${v} = v128.load(params + (<usize>(i * ${P} + ${m.paramIndex[p]}) * ${W * 16} + ${v * 16}));`;
  const L: string[] = [];
  const push = (indent: number, ...lines: string[]) => lines.forEach((l) => L.push("  ".repeat(indent) + l));

  push(0,
    `// Generated by src/codegen/asm.ts for model '${m.name}', ${NODES ? "nodes layout" : `width ${W}`}${opts.relaxed ? ", relaxed SIMD" : ""}. Do not edit.`,
    `import { vexp, vlog, vtanh, vsin, vcos, vpow } from "./vmath";`,
    `import { normals4, normals4Nodes, z0, z1, z2, z3 } from "./philox";`,
    `export const ABI: i32 = ${ASM_ABI_VERSION};`,
    `export const WIDTH: i32 = ${W};`,
    `export const NODES: i32 = ${NODES ? 1 : 0};`,
    ``,
    `export function run(`,
    `  n: i32, firstStep: i32, nSteps: i32, dt: f32, R: i32, heun: i32,`,
    `  rowStart: usize, edges: usize, wsum: usize,`,
    `  state: usize, params: usize, ring: usize, keys: usize,`,
    `  recEvery: i32, recBuf: usize, recCount: i32, obsSlot: usize, avgBuf: usize, avgSlot: usize, needDerived: i32,`,
    `  slowEvery: i32, slowDt: f32, noiseBuf: usize, sharedKeys: i32, T: i32, cbuf: usize, denseW: usize,`,
    `): void {`,
  );
  for (let v = 0; v < W; v++) push(1, `const seeds_${v} = v128.load(keys, ${v * 16});`, `const streams_${v} = v128.load(keys, ${(W + v) * 16});`);
  const TC = asmBlockSteps(W as AsmWidth, NODES ? "nodes" : "lanes");
  const K = m.coupling.length;
  push(1,
    `const vdt = f32x4.splat(dt);`,
    `const vhalf = f32x4.splat(<f32>0.5 * dt);`,
    `const vsq = f32x4.splat(<f32>Mathf.sqrt(dt));`,
    `const vsdt = f32x4.splat(slowDt);`,
    `const nPad = (n + 3) & ~3;`,
    `const nn = ${NODES ? "nPad >> 2" : "n"}; // cells along the node axis`,
    `const nR = ${NODES ? "nPad" : "n"}; // nodes held in a ring`,
    `const nodeB = (R + ${TC - 1}) * ${NODES ? 4 : W * 16}; // one node's history: R slots + ${TC - 1} mirrored`,
    `const ringSlotsB = R * ${NODES ? 4 : W * 16};`,
    `let s = 0;`,
    `while (s < nSteps) {`,
  );
  // Coupling phase. The ring of coupling k is laid out [node][slot][W vectors]: one node's
  // history is contiguous in time, and slots 0 … TC−2 are mirrored after slot R − 1. When every
  // delay is ≥ TC (the driver passes T = TC), the coupled input of TC steps depends only on
  // values already in the ring, so one pass over the edges reads, per edge, TC consecutive
  // slots (contiguous memory: a few cache lines instead of TC scattered ones) into TC·W
  // accumulators, and loads each edge's source, delay and weight once per TC steps. Otherwise
  // (T = 1: delays shorter than TC, or the last steps) the pass covers one step. Either way the
  // sums go to cbuf [t][k][node][W vectors] and the integration phase reads them. Per edge: source
  // node's byte offset, delay in bytes, weight; (now − delay) wraps with one select.
  push(2,
    `const Tb = T == ${TC} && nSteps - s >= ${TC} ? ${TC} : 1;`,
    `const nowB = ((firstStep + s) % R) * ${NODES ? 4 : W * 16};`,
  );
  if (NODES) {
    // No delays (the driver passes denseW, the weights as [source][target padded to 4], when
    // every delay is 0 and the network is not sparse): the coupling of four target nodes is a
    // matrix-vector product, one f32x4 multiply-add per source, summed in source order as the
    // edge walk does (zero weights add ±0, which changes no sum).
    push(2, `if (denseW != 0) {`, `  for (let ib = 0; ib < nPad; ib += 4) {`);
    m.coupling.forEach((_, k) => {
      push(4,
        `{`,
        `  const ringK = ring + <usize>(${k} * nR) * nodeB + <usize>nowB;`,
        `  let acc = f32x4.splat(0);`,
        `  for (let j = 0; j < n; j++) {`,
        `    acc = ${fma(`v128.load(denseW + (<usize>(j * nPad + ib) << 2))`, `v128.load32_splat(ringK + <usize>j * nodeB)`, "acc")};`,
        `  }`,
        `  v128.store(cbuf + (<usize>(${k} * nPad + ib) << 2), acc);`,
        `}`,
      );
    });
    push(2, `  }`, `} else {`);
  }
  push(2,
    `for (let i = 0; i < n; i++) {`,
    `  const e0 = load<i32>(rowStart + (<usize>i << 2));`,
    `  const e1 = load<i32>(rowStart + (<usize>(i + 1) << 2));`,
  );
  if (NODES) {
    // One simulation: a node's history is scalars, so the TC = 8 steps of a blocked pass are two
    // f32x4 of consecutive slots, and the accumulators' lanes are steps; they are stored to
    // cbuf [t][k][node] for the integration phase to load four nodes at a time.
    m.coupling.forEach((_c, k) => {
      const cb = (t: number | string) => `cbuf + (<usize>((${t}) * ${K} + ${k}) * nPad + i) * 4`;
      push(3,
        `{`,
        `  const ringK = ring + <usize>(${k} * nR) * nodeB;`,
        `  let edge = edges + <usize>e0 * 12;`,
        `  const end = edges + <usize>e1 * 12;`,
        `  if (Tb == ${TC}) {`,
        `    let a0 = f32x4.splat(0);`,
        `    let a1 = f32x4.splat(0);`,
        `    for (; edge < end; edge += 12) {`,
        `      const w = v128.load32_splat(edge, 8);`,
        ...edgeSource("").map((l) => `      ${l}`),
        `      a0 = ${fma("w", "v128.load(src, 0)", "a0")};`,
        `      a1 = ${fma("w", "v128.load(src, 16)", "a1")};`,
        `    }`,
      );
      for (let t = 0; t < 4; t++) push(4, `store<f32>(${cb(t)}, f32x4.extract_lane(a0, ${t}));`);
      for (let t = 0; t < 4; t++) push(4, `store<f32>(${cb(t + 4)}, f32x4.extract_lane(a1, ${t}));`);
      push(3,
        `  } else {`,
        `    let a: f32 = 0;`,
        `    for (; edge < end; edge += 12) {`,
        ...edgeSource("").map((l) => `      ${l}`),
        `      a += load<f32>(edge, 8) * load<f32>(src);`,
        `    }`,
        `    store<f32>(${cb(0)}, a);`,
        `  }`,
        `}`,
      );
    });
  } else {
  m.coupling.forEach((_c, k) => {
    const cb = (t: number | string, v: number) => `cbuf + (<usize>(((${t}) * ${K} + ${k}) * n + i) * ${W * 16} + ${v * 16})`;
    push(3,
      `{`,
      `  const ringK = ring + <usize>(${k} * nR) * nodeB;`,
      `  let edge = edges + <usize>e0 * 12;`,
      `  const end = edges + <usize>e1 * 12;`,
      `  if (Tb == ${TC}) {`,
    );
    for (let t = 0; t < TC; t++) for (let v = 0; v < W; v++) push(5, `let a${t}_${v} = f32x4.splat(0);`);
    push(5,
      `for (; edge < end; edge += 12) {`,
      `  const w = v128.load32_splat(edge, 8);`,
      ...edgeSource("").map((l) => `  ${l}`),
    );
    for (let t = 0; t < TC; t++) for (let v = 0; v < W; v++) push(6, `a${t}_${v} = ${fma("w", `v128.load(src, ${(t * W + v) * 16})`, `a${t}_${v}`)};`);
    push(5, `}`);
    for (let t = 0; t < TC; t++) for (let v = 0; v < W; v++) push(5, `v128.store(${cb(t, v)}, a${t}_${v});`);
    push(4, `} else {`);
    for (let v = 0; v < W; v++) push(5, `let a0_${v} = f32x4.splat(0);`);
    push(5,
      `// Two edges per iteration (same accumulation order as one by one).`,
      `const end2 = end - 12;`,
      `for (; edge < end2; edge += 24) {`,
      `  const wA = v128.load32_splat(edge, 8);`,
      `  const wB = v128.load32_splat(edge, 20);`,
      ...edgeSource("A").map((l) => `  ${l}`),
      ...edgeSource("B", 12).map((l) => `  ${l}`),
    );
    for (let v = 0; v < W; v++) push(6, `a0_${v} = ${fma("wA", `v128.load(srcA, ${v * 16})`, `a0_${v}`)};`);
    for (let v = 0; v < W; v++) push(6, `a0_${v} = ${fma("wB", `v128.load(srcB, ${v * 16})`, `a0_${v}`)};`);
    push(5,
      `}`,
      `if (edge < end) {`,
      `  const w = v128.load32_splat(edge, 8);`,
      ...edgeSource("").map((l) => `  ${l}`),
    );
    for (let v = 0; v < W; v++) push(6, `a0_${v} = ${fma("w", `v128.load(src, ${v * 16})`, `a0_${v}`)};`);
    push(5, `}`);
    for (let v = 0; v < W; v++) push(5, `v128.store(${cb(0, v)}, a0_${v});`);
    push(4, `}`);
    push(3, `}`);
  });
  }
  push(2, `}`);
  if (NODES) push(2, `}`); // dense or edge walk
  // Integration phase: Tb steps, each over all nodes.
  push(2,
    `for (let t = 0; t < Tb; t++, s++) {`,
    `  const step = firstStep + s;`,
    `  const now = step % R;`,
    `  const next = (step + 1) % R;`,
    `  const tv = f32x4.splat(<f32>step * dt);`,
    `  const tv1 = f32x4.splat(<f32>(step + 1) * dt);`,
    `  const rec = recCount > 0 && (s + 1) % recEvery == 0;`,
    `  const sample = (s + 1) / recEvery - 1;`,
    `  const slowStep = slowEvery > 0 && (step + 1) % slowEvery == 0;`,
  );
  // Lanes that share one key (the default "shared" noise, and a fit's candidates) draw the same
  // normals: then one Philox call per step serves four nodes and every lane of the group, and
  // the node loop splats them from noiseBuf [channel][node] (bit-identical to per-lane calls).
  const both = (b: number) => (Math.min(NZ - b, 4) > 2 ? "true" : "false");
  if (NZ > 0) {
    // In the "nodes" layout the one lane's key is always shared by the vector's four nodes.
    push(2, `if (${NODES ? "true" : "sharedKeys"}) {`, `  for (let i = 0; i < n; i += 4) {`);
    for (let b = 0; b < NZ; b += 4) {
      push(4, `normals4Nodes(<u32>step, <u32>i, ${b >> 2}, seeds_0, streams_0, ${both(b)});`);
      for (let q = 0; q < 4 && b + q < NZ; q++) push(4, `v128.store(noiseBuf + (<usize>(${b + q} * nPad + i) << 2), z${q});`);
    }
    push(2, `  }`, `}`);
  }
  push(3, `for (let i = 0; i < nn; i++) {`);
  m.coupling.forEach((c, k) => {
    for (let v = 0; v < W; v++) push(4, `let c_${c.name}_${v} = v128.load(cbuf + (<usize>((t * ${K} + ${k}) * nn + i) * ${W * 16} + ${v * 16}));`);
    if (c.form === "difference" && NODES) {
      // h of the block's four nodes now: four scalars from their histories.
      push(4, `{`, `  const ws = v128.load(wsum + (<usize>i << 4));`, `  const h0 = ring + <usize>(${k} * nR + (i << 2)) * nodeB + <usize>now * 4;`);
      push(5, `let hv = f32x4.splat(load<f32>(h0));`);
      for (let q = 1; q < 4; q++) push(5, `hv = f32x4.replace_lane(hv, ${q}, load<f32>(h0 + <usize>${q} * nodeB));`);
      push(5, `c_${c.name}_0 = f32x4.sub(c_${c.name}_0, f32x4.mul(ws, hv));`);
      push(4, `}`);
    } else if (c.form === "difference") {
      push(4, `{`, `  const ws = f32x4.splat(load<f32>(wsum + (<usize>i << 2)));`, `  const hi = ring + <usize>(${k} * nR + i) * nodeB + <usize>now * ${W * 16};`);
      for (let v = 0; v < W; v++) push(5, `c_${c.name}_${v} = f32x4.sub(c_${c.name}_${v}, f32x4.mul(ws, v128.load(hi, ${v * 16})));`);
      push(4, `}`);
    }
  });
  for (let v = 0; v < W; v++) {
    push(3, `// ---- vector ${v}: lanes ${4 * v}–${4 * v + 3} of the group`);
    for (let q = 0; q < NZ; q++) push(3, `let zn${q}_${v} = f32x4.splat(0);`);
    if (NZ > 0 && NODES) {
      // Lanes are nodes: the step's normals for this block of four nodes, drawn above.
      for (let q = 0; q < NZ; q++) push(3, `zn${q}_${v} = v128.load(noiseBuf + (<usize>(${q} * nPad) << 2) + (<usize>i << 4));`);
    } else if (NZ > 0) {
      push(3, `if (sharedKeys) {`);
      for (let q = 0; q < NZ; q++) push(4, `zn${q}_${v} = v128.load32_splat(noiseBuf + (<usize>(${q} * nPad + i) << 2));`);
      push(3, `} else {`);
      for (let b = 0; b < NZ; b += 4) {
        // Only the Box–Muller pairs this block uses are computed (pair 2–3 skipped for ≤ 2 channels).
        push(4, `normals4(<u32>step, <u32>i, ${b >> 2}, seeds_${v}, streams_${v}, ${both(b)});`);
        for (let q = 0; q < 4 && b + q < NZ; q++) push(4, `zn${b + q}_${v} = z${q};`);
      }
      push(3, `}`);
    }
    fastStates.forEach(([s, k]) => push(3, `const a_${s}_${v} = v128.load(state + ${at(String(k), v)});`));
    fastParams.forEach((p) => push(3, loadParam(p, v)));
    // Stage a: only what the fast states' drift and diffusion need (slow states hold here).
    fastDerived.forEach((d) => push(3, `const ad_${d.name}_${v} = ${emit(d.expr, "a", v)};`));
    fastStates.forEach(([, k]) => push(3, `const fa${k}_${v} = ${emit(m.drift[k]!, "a", v)};`));
    m.noiseStates.forEach((s, q) => push(3, `const gn${q}_${v} = f32x4.mul(${emit(m.diffusion[s]!, "a", v)}, vsq);`));
    const withNoise = (k: number, x: string) => {
      const q = noiseOf.get(k);
      return q === undefined ? x : `f32x4.add(${x}, f32x4.mul(gn${q}_${v}, zn${q}_${v}))`;
    };
    m.stateNames.forEach((s, k) => push(3, isSlow(k) ? `let n_${s}_${v} = f32x4.splat(0);` : `let n_${s}_${v} = a_${s}_${v};`));
    push(3, `if (heun) {`);
    fastStates.forEach(([s, k]) => push(4, `const b_${s}_${v} = ${clampExpr(k, withNoise(k, `f32x4.add(a_${s}_${v}, f32x4.mul(vdt, fa${k}_${v}))`))};`));
    fastDerived.forEach((d) => push(4, `const bd_${d.name}_${v} = ${emit(d.expr, "b", v)};`));
    fastStates.forEach(([, k]) => push(4, `const fb${k}_${v} = ${emit(m.drift[k]!, "b", v)};`));
    fastStates.forEach(([s, k]) => push(4, `n_${s}_${v} = ${withNoise(k, `f32x4.add(a_${s}_${v}, f32x4.mul(vhalf, f32x4.add(fa${k}_${v}, fb${k}_${v})))`)};`));
    push(3, `} else {`);
    fastStates.forEach(([s, k]) => push(4, `n_${s}_${v} = ${withNoise(k, `f32x4.add(a_${s}_${v}, f32x4.mul(vdt, fa${k}_${v}))`)};`));
    push(3, `}`);
    if (m.slowStates.length) {
      // Slow states: one Euler step of slowDt from the new fast state, every slowEvery steps.
      fastStates.forEach(([s, k]) => push(3, `n_${s}_${v} = ${clampExpr(k, `n_${s}_${v}`)};`));
      push(3, `if (slowStep) {`);
      otherParams.filter((p) => slowNames.has(p)).forEach((p) => push(4, loadParam(p, v)));
      m.slowStates.forEach((k) => push(4, `n_${m.stateNames[k]}_${v} = v128.load(state + ${at(String(k), v)});`));
      m.derived.forEach((d, j) => {
        if (m.derivedForSlow[j]) push(4, `const sd_${d.name}_${v} = ${emitSlow(d.expr, v)};`);
      });
      m.slowStates.forEach((k) => push(4, `const fs${k}_${v} = ${emitSlow(m.drift[k]!, v)};`));
      m.slowStates.forEach((k) => {
        const s = m.stateNames[k]!;
        push(4, `n_${s}_${v} = ${clampExpr(k, `f32x4.add(n_${s}_${v}, f32x4.mul(vsdt, fs${k}_${v}))`)};`, `v128.store(state + ${at(String(k), v)}, n_${s}_${v});`);
      });
      push(3, `}`);
    }
    fastStates.forEach(([s, k]) => push(3, `n_${s}_${v} = ${clampExpr(k, `n_${s}_${v}`)};`, `v128.store(state + ${at(String(k), v)}, n_${s}_${v});`));
    // The new coupled quantities enter the ring at slot `next` (never read during this step).
    m.coupling.forEach((c, k) => {
      push(3,
        `{`,
        `  const hv = ${emitExpr(c.of, "as-simd", stage("n", v))};`,
        ...(NODES
          ? [
            `  const slot = ring + <usize>(${k} * nR + (i << 2)) * nodeB + <usize>next * 4;`,
            ...[0, 1, 2, 3].map((q) => `  store<f32>(slot + <usize>${q} * nodeB, f32x4.extract_lane(hv, ${q}));`),
            `  if (next < ${TC - 1}) {`,
            ...[0, 1, 2, 3].map((q) => `    store<f32>(slot + <usize>${q} * nodeB + <usize>R * 4, f32x4.extract_lane(hv, ${q}));`),
            `  }`,
          ]
          : [
            `  const slot = ring + <usize>(${k} * nR + i) * nodeB + ${v * 16};`,
            `  v128.store(slot + <usize>next * ${W * 16}, hv);`,
            `  if (next < ${TC - 1}) v128.store(slot + <usize>(next + R) * ${W * 16}, hv); // the mirrored slot`,
          ]),
        `}`,
      );
    });
    // Observables: states, then derived (evaluated on the new state with this step's coupling).
    push(3, `if (rec || avgBuf != 0) {`);
    if (m.slowStates.length) {
      push(4, `if (!slowStep) {`);
      m.slowStates.forEach((k) => push(5, `n_${m.stateNames[k]}_${v} = v128.load(state + ${at(String(k), v)});`));
      push(4, `}`);
    }
    if (D > 0) {
      m.derived.forEach((d) => push(4, `let nd_${d.name}_${v} = f32x4.splat(0);`));
      push(4, `if (needDerived) {`);
      otherParams.forEach((p) => push(5, loadParam(p, v)));
      m.derived.forEach((d) => push(5, `nd_${d.name}_${v} = ${emit(d.expr, "n", v)};`));
      push(4, `}`);
    }
    const obsValues = [...m.stateNames.map((s) => `n_${s}_${v}`), ...m.derived.map((d) => `nd_${d.name}_${v}`)];
    obsValues.forEach((x, k) => {
      push(4,
        `{`,
        `  const rs = load<i32>(obsSlot + ${k * 4});`,
        `  if (rec && rs >= 0) v128.store(recBuf + ${at("rs * recCount + sample", v)}, ${x});`,
        `  const as = load<i32>(avgSlot + ${k * 4});`,
        `  if (as >= 0) {`,
        `    const p = avgBuf + (<usize>(as * nn + i) * ${W * 32} + ${v * 32});`,
        `    v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(${x})));`,
        `    v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<i32>(${x}, ${x}, 2, 3, 0, 1))), 16);`,
        `  }`,
        `}`,
      );
    });
    push(3, `}`);
  }
  push(3, `}`); // nodes
  push(2, `}`); // steps of the block
  push(1, `}`); // blocks
  push(0, `}`);
  return L.join("\n") + "\n";
}
