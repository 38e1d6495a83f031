// AssemblyScript emitter for the WASM SIMD integrator. A lane group holds 4·W simulations:
// W f32x4 vectors per node and quantity, lanes innermost in memory. The generated `run`
// integrates one lane group for a block of steps in exactly the order of
// src/backends/reference.ts (see its header), in float32. W > 1 amortises each edge's offset
// and weight loads over W vectors in the coupling loop, the dominant cost on dense connectomes.
import { freeVariables } from "../models/expr.ts";
import type { CompiledModel } from "../models/spec.ts";
import { emitExpr, floatLiteral } from "./emit.ts";
import { describeStep, stepInput, type StepLet } from "./step.ts";

/** Bump when the kernel ABI (run's arguments or memory layout) changes. */
export const ASM_ABI_VERSION = 12;
/** Targets per source row of the dense coupling pass's weights (driver: denseW), padded to whole blocks of 16. */
export const DENSE_TARGET_PAD = 16;

/** Vectors per lane group that built-in kernels are compiled for. */
export const ASM_WIDTHS = [1, 2, 4] as const;
export type AsmWidth = (typeof ASM_WIDTHS)[number];

/** Sums of the blocked pass that one walk over a target's edges carries (see emitAsmKernel). */
export const PASS_SUMS_PER_WALK = 4;

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

/**
 * A let's value as an f32x4 AssemblyScript expression, clamped to its state limits. pmin/pmax:
 * one instruction each on x86; NaN in the value (the first operand) still propagates.
 */
export function asmLetValue(l: StepLet, resolve: (name: string) => string): string {
  let out = emitExpr(l.expr, "as-simd", resolve);
  if (l.max !== undefined) out = `f32x4.pmin(${out}, f32x4.splat(<f32>${floatLiteral(l.max)}))`;
  if (l.min !== undefined) out = `f32x4.pmax(${out}, f32x4.splat(<f32>${floatLiteral(l.min)}))`;
  return out;
}

/**
 * Lines that draw one step's normals (at `step`) for lanes that share one key into noiseBuf
 * [channel][node], rows of `nPad` floats (n rounded up to 4): two blocks of four nodes per call,
 * as two interleaved Philox chains (normals8NodesTo), then a last block of four on its own.
 * Bit-identical to normals4 per node.
 */
export function sharedNormalsLines(NZ: number, seed: string, stream: string, nPad: string): string[] {
  const L = [`let i = 0;`, `for (; i + 8 <= ${nPad}; i += 8) {`];
  for (let b = 0; b < NZ; b += 4) {
    L.push(
      `  normals8NodesTo(<u32>step, <u32>i, ${b >> 2}, ${seed}, ${stream}, ${
        Math.min(NZ - b, 4)
      }, noiseBuf + (<usize>(${b} * ${nPad} + i) << 2), <usize>${nPad} << 2);`,
    );
  }
  L.push(`}`, `if (i < ${nPad}) {`);
  for (let b = 0; b < NZ; b += 4) {
    L.push(`  normals4Nodes(<u32>step, <u32>i, ${b >> 2}, ${seed}, ${stream}, ${Math.min(NZ - b, 4) > 2});`);
    for (let q = 0; q < 4 && b + q < NZ; q++) L.push(`  v128.store(noiseBuf + (<usize>(${b + q} * ${nPad} + i) << 2), z${q});`);
  }
  L.push(`}`);
  return L;
}

export function emitAsmKernel(m: CompiledModel, opts: AsmKernelOptions = {}): string {
  const NODES = opts.layout === "nodes";
  const W = NODES ? 1 : (opts.width ?? 1);
  const fma = (
    a: string,
    b: string,
    c: string,
  ) => (opts.relaxed ? `f32x4.relaxed_madd(${a}, ${b}, ${c})` : `f32x4.add(f32x4.mul(${a}, ${b}), ${c})`);
  // Ring address of an edge's delayed source (edges are [source byte offset, delay bytes,
  // weight]): (now − delay) wraps into the ring with one select. `at` is the edge's byte offset.
  const edgeSource = (suffix: string, at = 0) => [
    `const rel${suffix} = nowB - load<i32>(edge, ${at + 4});`,
    `const src${suffix} = ringK + <usize>load<i32>(edge${
      at ? `, ${at}` : ""
    }) + <usize>select<i32>(rel${suffix} + ringSlotsB, rel${suffix}, rel${suffix} < 0);`,
  ];
  // "nodes" layout: opening of one coupling's pass over node i's edges (row e0 … e1), blocked (Tb = TC) or not.
  const edgeWalk = (k: number) => [
    `{`,
    `  const ringK = ring + <usize>(${k} * nR) * nodeB;`,
    `  let edge = edges + <usize>e0 * 12;`,
    `  const end = edges + <usize>e1 * 12;`,
    `  if (Tb == ${TC}) {`, // TC: defined below, before the first call
  ];
  const P = m.paramNames.length;
  const D = m.derived.length;
  const NZ = m.noiseStates.length;
  // Byte offset of vector v of (row, node i) in a [row][node][W vectors] array.
  // Node-axis cells of the integration loop: nodes ("lanes") or blocks of four nodes ("nodes").
  const at = (row: string, v: number) => `(<usize>((${row}) * nn + i) * ${W * 16} + ${v * 16})`;
  const desc = describeStep(m);
  const K = m.coupling.length;
  // "lanes" layout: address of vector v of coupling k's input to step t of the pass for node i (cbuf [t][k][node][W vectors]).
  const laneCbuf = (k: number, t: number | string, v: number, node = "i") =>
    `cbuf + (<usize>((${t} * ${K} + ${k}) * n + ${node}) * ${W * 16} + ${v * 16})`;
  // Both layouts' dense passes (no delays): bytes of one source's row of denseW.
  const denseWRow = `  const wRow = <usize>((n + ${DENSE_TARGET_PAD - 1}) & ~${DENSE_TARGET_PAD - 1}) << 2; // bytes of a source's weights`;
  // Scalars of the step as the kernel's splatted locals.
  const SCALARS: Record<string, string> = { t: "tv", t1: "tv1", dt: "vdt", half_dt: "vhalf", sqrt_dt: "vsq", slow_dt: "vsdt" };
  const local = (name: string, v: number) => SCALARS[name] ?? `${name}_${v}`;
  // Where each input of the step comes from, as statements declaring `local(name, v)`. Memory
  // traffic: an input is loaded in the innermost block that first reads it, so the fast step
  // loads what its derived quantities, drifts, diffusions and coupled quantities read, and the
  // slow step (1 step in slowEvery) and the observation block load the rest themselves; slow
  // states are loaded and stored only there. Binaryen cannot drop an unused load (it may trap),
  // so loading everything at the top cost rWW + BOLD 15 parameter and 6 state loads per node
  // and vector where the fast step needs 6 and 2.
  const loadInput = (name: string, v: number): string[] => {
    const x = local(name, v);
    const input = stepInput(m, name);
    if (!input) throw new Error(`model '${m.name}': the step reads '${name}', which the AssemblyScript kernel does not provide`);
    const k = input.index;
    switch (input.role) {
      case "time":
        return []; // splatted once per step: SCALARS
      case "x":
        return [`const ${x} = v128.load(state + ${at(String(k), v)});`];
      case "p":
        return [`const ${x} = v128.load(params + (<usize>(i * ${P} + ${k}) * ${W * 16} + ${v * 16}));`];
      case "cs":
        return [`const ${x} = v128.load(cbuf + (<usize>((t * ${K} + ${k}) * nn + i) * ${W * 16} + ${v * 16}));`];
      case "hs":
        // This node's own h now (difference couplings): in the "nodes" layout four scalars from
        // the four nodes' histories.
        if (!NODES) return [`const ${x} = v128.load(ring + <usize>(${k} * nR + i) * nodeB + <usize>now * ${W * 16} + ${v * 16});`];
        return [
          `const h0_${x} = ring + <usize>(${k} * nR + (i << 2)) * nodeB + <usize>now * 4;`,
          `let ${x} = f32x4.splat(load<f32>(h0_${x}));`,
          ...[1, 2, 3].map((q) => `${x} = f32x4.replace_lane(${x}, ${q}, load<f32>(h0_${x} + <usize>${q} * nodeB));`),
        ];
      case "wsum":
        return [NODES ? `const ${x} = v128.load(wsum + (<usize>i << 4));` : `const ${x} = f32x4.splat(load<f32>(wsum + (<usize>i << 2)));`];
      case "z":
        // Drawn before the step's lets (declared in scope, so never loaded here).
        throw new Error(`model '${m.name}': normal '${name}' was not drawn before the step`);
    }
  };
  // A block of lets for vector v: loads of inputs not yet in scope, then `const name_v = expr`
  // (or an assignment, for names declared in an enclosing block).
  const emitLets = (lets: StepLet[], v: number, indent: number, scope: Set<string>) => {
    for (const l of lets) {
      for (const name of freeVariables(l.expr)) {
        if (scope.has(name)) continue;
        push(indent, ...loadInput(name, v));
        scope.add(name);
      }
      const e = asmLetValue(l, (name) => local(name, v));
      push(indent, scope.has(l.name) ? `${local(l.name, v)} = ${e};` : `const ${local(l.name, v)} = ${e};`);
      scope.add(l.name);
    }
  };
  const L: string[] = [];
  const push = (indent: number, ...lines: string[]) => lines.forEach((l) => L.push("  ".repeat(indent) + l));

  push(
    0,
    `// Generated by src/codegen/asm.ts for model '${m.name}', ${NODES ? "nodes layout" : `width ${W}`}${
      opts.relaxed ? ", relaxed SIMD" : ""
    }. Do not edit.`,
    `import { vexp, vlog, vtanh, vsin, vcos, vpow } from "./vmath";`,
    `import { normals4, normals4Nodes, normals4Nodes2To, normals4x2To, normals8NodesTo, z0, z1, z2, z3 } from "./philox";`,
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
    `  tileRows: usize, tileEdges: usize, nTiles: i32, B: i32, edgeScratch: usize,`,
    `): void {`,
  );
  for (let v = 0; v < W; v++) {
    push(1, `const seeds_${v} = v128.load(keys, ${v * 16});`, `const streams_${v} = v128.load(keys, ${(W + v) * 16});`);
  }
  const TC = asmBlockSteps(W as AsmWidth, NODES ? "nodes" : "lanes");
  push(
    1,
    `const vdt = f32x4.splat(dt);`,
    `const vhalf = f32x4.splat(<f32>0.5 * dt);`,
    `const vsq = f32x4.splat(<f32>Mathf.sqrt(dt));`,
    `const vsdt = f32x4.splat(slowDt);`,
    `const nPad = (n + 3) & ~3;`,
    `const nn = ${NODES ? "nPad >> 2" : "n"}; // cells along the node axis`,
    `const nR = ${NODES ? "nPad" : "n"}; // nodes held in a ring`,
    `const nodeB = (R + B - 1) * ${NODES ? 4 : W * 16}; // one node's history: R slots + B − 1 mirrored`,
    `const ringSlotsB = R * ${NODES ? 4 : W * 16};`,
    `let s = 0;`,
    `while (s < nSteps) {`,
  );
  // Coupling phase. The ring of coupling k is laid out [node][slot][W vectors]: one node's
  // history is contiguous in time, and slots 0 … B−2 are mirrored after slot R − 1 (B: the
  // driver's pass length, a multiple of TC). When every delay is ≥ B (the driver passes T = B),
  // the coupled input of B steps depends only on values already in the ring, so one pass over
  // the edges covers B steps: per edge, TC consecutive slots (contiguous memory: a few cache
  // lines instead of TC scattered ones) into TC·W accumulators, B / TC sub-blocks one after
  // another ("lanes" layout; the "nodes" layout passes B = TC). Each pass brings every source's
  // history through the cache once, so a longer pass reads it once per B steps instead of once
  // per TC. Otherwise (T = 1: delays shorter than TC) the pass covers one step; at the end of a
  // call it covers the whole sub-blocks left. Either way the sums go to cbuf [t][k][node][W
  // vectors] and the integration phase reads them. Per edge: source node's byte offset, delay in
  // bytes, weight; (now − delay) wraps with one select.
  push(
    2,
    `const Tb = T > 1 && nSteps - s >= ${TC} ? min<i32>(T, (nSteps - s) / ${TC} * ${TC}) : 1;`,
    `const nowB = ((firstStep + s) % R) * ${NODES ? 4 : W * 16};`,
  );
  if (NODES) {
    // No delays (the driver passes denseW, the weights as [source][target padded to
    // DENSE_TARGET_PAD], when every delay is 0 and the network is not sparse): the coupling of
    // four target nodes is a matrix-vector product, one f32x4 multiply-add per source, summed in
    // source order as the edge walk does (zero weights add ±0, which changes no sum).
    // Four blocks of four targets per pass over the sources: each block's sum is one chain of
    // dependent adds, so a lone chain waits on the add's latency; four run side by side.
    push(
      2,
      `if (denseW != 0) {`,
      denseWRow,
      `  for (let ib = 0; ib < nPad; ib += 16) {`,
    );
    m.coupling.forEach((_, k) => {
      push(4, `{`, `  let wj = denseW + (<usize>ib << 2);`, `  let hj = ring + <usize>(${k} * nR) * nodeB + <usize>nowB;`);
      for (let q = 0; q < 4; q++) push(5, `let acc${q} = f32x4.splat(0);`);
      push(5, `for (let j = 0; j < n; j++, wj += wRow, hj += <usize>nodeB) {`, `  const h = v128.load32_splat(hj);`);
      for (let q = 0; q < 4; q++) push(6, `acc${q} = ${fma(`v128.load(wj, ${16 * q})`, `h`, `acc${q}`)};`);
      push(5, `}`, `v128.store(cbuf + (<usize>(${k} * nPad + ib) << 2), acc0);`);
      for (let q = 1; q < 4; q++) {
        push(5, `if (ib + ${4 * q} < nPad) v128.store(cbuf + (<usize>(${k} * nPad + ib + ${4 * q}) << 2), acc${q});`);
      }
      push(4, `}`);
    });
    push(2, `  }`, `} else {`);
  }
  if (!NODES) {
    // Blocked pass, source-major in tiles. A target-major walk streams every node's whole
    // history through the cache once per pass (each row reads ~every source at its own delay),
    // and one lane group's ring (100 nodes × 400 slots × 32 B = 1.3 MB for HCP-100 at 6 mm/ms)
    // outgrows L2. The driver cuts the sources into tiles whose histories fit L2 and lists each
    // tile's edges by target (tileRows [tile][target + 1] into tileEdges); a target's sums are
    // carried in cbuf from one tile to the next, so every target still adds its sources in
    // row order: the same bits as one walk over the row.
    push(2, `if (Tb > 1) {`);
    m.coupling.forEach((_c, k) => {
      const cb = (t: number, v: number) => laneCbuf(k, `(b + ${t})`, v);
      push(
        3,
        `{`,
        `  const ringK = ring + <usize>(${k} * nR) * nodeB;`,
        `  for (let tile = 0; tile < nTiles; tile++) {`,
        `    const rows = tileRows + (<usize>(tile * (n + 1)) << 2);`,
        `    for (let i = 0; i < n; i++) {`,
        `      const e0 = load<i32>(rows + (<usize>i << 2));`,
        `      const e1 = load<i32>(rows + (<usize>(i + 1) << 2));`,
        `      if (e0 == e1 && tile != 0) continue;`,
        `      // Each edge's ring address (at the pass's first step) and weight, once per pass, for its sub-blocks.`,
        `      let qEnd = edgeScratch;`,
        `      for (let edge = tileEdges + <usize>e0 * 12; edge < tileEdges + <usize>e1 * 12; edge += 12, qEnd += 8) {`,
        ...edgeSource("").map((l) => `        ${l}`),
        `        store<usize>(qEnd, src);`,
        `        store<f32>(qEnd, load<f32>(edge, 8), 4);`,
        `      }`,
        `      for (let b = 0; b < Tb; b += ${TC}) {`,
        `        const bB = <usize>b * ${W * 16}; // sub-block b's first slot, in bytes past the pass's first`,
      );
      // The sub-block's TC·W sums in runs of PASS_SUMS_PER_WALK, one edge walk per run: V8 schedules a
      // walk's loads at its top and the arithmetic after them, so 8 sums and 8 loaded vectors plus the
      // weight outgrow x64's 16 vector registers and one sum round-trips the stack on every edge.
      const sums = Array.from({ length: TC * W }, (_, q) => ({ t: Math.floor(q / W), v: q % W }));
      for (let r = 0; r < sums.length; r += PASS_SUMS_PER_WALK) {
        const run = sums.slice(r, r + PASS_SUMS_PER_WALK);
        for (const { t, v } of run) push(7, `let a${t}_${v} = f32x4.splat(0);`);
        push(7, `if (tile != 0) {`);
        for (const { t, v } of run) push(8, `a${t}_${v} = v128.load(${cb(t, v)});`);
        push(
          7,
          `}`,
          `for (let q = edgeScratch; q < qEnd; q += 8) {`,
          `  const w = v128.load32_splat(q, 4);`,
          `  const src = load<usize>(q) + bB;`,
        );
        for (const { t, v } of run) push(8, `a${t}_${v} = ${fma("w", `v128.load(src, ${(t * W + v) * 16})`, `a${t}_${v}`)};`);
        push(7, `}`);
        for (const { t, v } of run) push(7, `v128.store(${cb(t, v)}, a${t}_${v});`);
      }
      push(6, `}`);
      push(5, `}`, `  }`, `}`);
    });
    // No delays (the driver passes denseW, the weights as [source][target padded to DENSE_TARGET_PAD], when
    // every delay is 0 and the network is not sparse): the coupling of a block of 4 / W targets
    // (one for W = 4) is a matrix product over the sources, with four accumulators (targets × W
    // vectors). The edge walk's one chain of dependent adds per target waits on the add's
    // latency (perf: ~3 cycles per edge at W = 1); here four chains run side by side (with eight,
    // V8 spills one). Each target still adds its sources in order, and a zero weight adds +0,
    // which changes no sum: the same bits as the edge walk.
    const TT = Math.max(1, 4 / W);
    push(
      2,
      `} else if (denseW != 0) {`,
      denseWRow,
      `  for (let ib = 0; ib < n; ib += ${TT}) {`,
    );
    m.coupling.forEach((_c, k) => {
      push(
        4,
        `{`,
        `  let wj = denseW + (<usize>ib << 2);`,
        `  let hj = ring + <usize>(${k} * nR) * nodeB + <usize>nowB;`,
      );
      for (let q = 0; q < TT; q++) for (let v = 0; v < W; v++) push(5, `let a${q}_${v} = f32x4.splat(0);`);
      push(5, `for (let j = 0; j < n; j++, wj += wRow, hj += <usize>nodeB) {`);
      for (let v = 0; v < W; v++) push(6, `const h${v} = v128.load(hj, ${v * 16});`);
      for (let q = 0; q < TT; q++) {
        push(6, `const w${q} = v128.load32_splat(wj, ${q * 4});`);
        for (let v = 0; v < W; v++) push(6, `a${q}_${v} = ${fma(`w${q}`, `h${v}`, `a${q}_${v}`)};`);
      }
      push(5, `}`);
      for (let q = 0; q < TT; q++) {
        const store = Array.from({ length: W }, (_, v) => `v128.store(${laneCbuf(k, 0, v, `ib + ${q}`)}, a${q}_${v});`);
        if (q === 0) push(5, ...store);
        else push(5, `if (ib + ${q} < n) {`, ...store.map((l) => `  ${l}`), `}`);
      }
      push(4, `}`);
    });
    push(2, `  }`, `} else {`);
  }
  push(
    2,
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
      push(
        3,
        ...edgeWalk(k),
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
      push(
        3,
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
      const cb = (t: number, v: number) => laneCbuf(k, t, v);
      // One step per pass (Tb = 1: some delay shorter than a block, or the last steps).
      push(
        3,
        `{`,
        `  const ringK = ring + <usize>(${k} * nR) * nodeB;`,
        `  let edge = edges + <usize>e0 * 12;`,
        `  const end = edges + <usize>e1 * 12;`,
      );
      for (let v = 0; v < W; v++) push(4, `let a0_${v} = f32x4.splat(0);`);
      // No delays (R = 2): every edge reads its source's slot now, so an edge costs its weight,
      // its source's offset and W multiply-adds (the delay's load, wrap and select are most of
      // an edge's scalar work, which lane groups of 4 do not amortise).
      push(4, `if (R == 2) {`, `  const now0 = ringK + <usize>nowB;`, `  for (; edge < end; edge += 12) {`);
      push(6, `const w = v128.load32_splat(edge, 8);`, `const src = now0 + <usize>load<i32>(edge);`);
      for (let v = 0; v < W; v++) push(6, `a0_${v} = ${fma("w", `v128.load(src, ${v * 16})`, `a0_${v}`)};`);
      push(4, `  }`, `} else {`);
      push(
        4,
        `// Two edges per iteration (same accumulation order as one by one).`,
        `const end2 = end - 12;`,
        `for (; edge < end2; edge += 24) {`,
        `  const wA = v128.load32_splat(edge, 8);`,
        `  const wB = v128.load32_splat(edge, 20);`,
        ...edgeSource("A").map((l) => `  ${l}`),
        ...edgeSource("B", 12).map((l) => `  ${l}`),
      );
      for (let v = 0; v < W; v++) push(5, `a0_${v} = ${fma("wA", `v128.load(srcA, ${v * 16})`, `a0_${v}`)};`);
      for (let v = 0; v < W; v++) push(5, `a0_${v} = ${fma("wB", `v128.load(srcB, ${v * 16})`, `a0_${v}`)};`);
      push(4, `}`, `if (edge < end) {`, `  const w = v128.load32_splat(edge, 8);`, ...edgeSource("").map((l) => `  ${l}`));
      for (let v = 0; v < W; v++) push(5, `a0_${v} = ${fma("w", `v128.load(src, ${v * 16})`, `a0_${v}`)};`);
      push(4, `}`, `}`);
      for (let v = 0; v < W; v++) push(4, `v128.store(${cb(0, v)}, a0_${v});`);
      push(3, `}`);
    });
  }
  push(2, `}`);
  push(2, `}`); // dense or edge walk ("nodes"), tiled blocked pass or one step ("lanes")
  // Integration phase: Tb steps, each over all nodes.
  push(
    2,
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
    push(2, `if (${NODES ? "true" : "sharedKeys"}) {`, ...sharedNormalsLines(NZ, "seeds_0", "streams_0", "nPad").map((l) => `  ${l}`), `}`);
  }
  push(3, `for (let i = 0; i < nn; i++) {`);
  // Lanes with keys of their own draw two Philox chains per call into noiseBuf (which the shared
  // path does not use in such a group): at width 2 and 4 this node's normals for two vectors
  // ([vector][channel]); at width 1 those of nodes i and i + 1 ([node & 1][channel]), so node
  // i + 1's wait there for the next iteration.
  const pairedLaneNoise = NZ > 0 && !NODES;
  if (pairedLaneNoise && W === 1) {
    push(3, `if (!sharedKeys && (i & 1) == 0) {`, `  if (i + 1 < n) {`);
    for (let b = 0; b < NZ; b += 4) {
      push(
        5,
        `normals4Nodes2To(<u32>step, <u32>i, ${b >> 2}, seeds_0, streams_0, ${Math.min(NZ - b, 4)}, noiseBuf + ${b * 16}, noiseBuf + ${
          (NZ + b) * 16
        });`,
      );
    }
    push(4, `} else {`);
    for (let b = 0; b < NZ; b += 4) {
      push(5, `normals4(<u32>step, <u32>i, ${b >> 2}, seeds_0, streams_0, ${both(b)});`);
      for (let q = 0; q < 4 && b + q < NZ; q++) push(5, `v128.store(noiseBuf, z${q}, ${(b + q) * 16});`);
    }
    push(4, `}`, `}`);
  } else if (pairedLaneNoise) {
    push(3, `if (!sharedKeys) {`);
    for (let v = 0; v < W; v += 2) {
      for (let b = 0; b < NZ; b += 4) {
        push(
          4,
          `normals4x2To(<u32>step, <u32>i, ${b >> 2}, seeds_${v}, streams_${v}, seeds_${v + 1}, streams_${v + 1}, ${
            Math.min(NZ - b, 4)
          }, noiseBuf + ${(v * NZ + b) * 16}, noiseBuf + ${((v + 1) * NZ + b) * 16});`,
        );
      }
    }
    push(3, `}`);
  }
  for (let v = 0; v < W; v++) {
    push(3, `// ---- vector ${v}: lanes ${4 * v}–${4 * v + 3} of the group`);
    // Normals of this step (declared here, read by the step's lets as z_<q>).
    for (let q = 0; q < NZ; q++) push(3, `let z_${q}_${v} = f32x4.splat(0);`);
    if (NZ > 0 && NODES) {
      // Lanes are nodes: the step's normals for this block of four nodes, drawn above.
      for (let q = 0; q < NZ; q++) push(3, `z_${q}_${v} = v128.load(noiseBuf + (<usize>(${q} * nPad) << 2) + (<usize>i << 4));`);
    } else if (NZ > 0) {
      push(3, `if (sharedKeys) {`);
      for (let q = 0; q < NZ; q++) push(4, `z_${q}_${v} = v128.load32_splat(noiseBuf + (<usize>(${q} * nPad + i) << 2));`);
      push(3, `} else {`);
      const row = W === 1 ? `(<usize>(i & 1) * ${NZ * 16}) + ` : "";
      for (let q = 0; q < NZ; q++) push(4, `z_${q}_${v} = v128.load(noiseBuf + ${row}${(v * NZ + q) * 16});`);
      push(3, `}`);
    }
    const top = new Set(m.noiseStates.map((_, q) => `z_${q}`));
    const block = (lets: StepLet[], indent: number, scope: Set<string>) => emitLets(lets, v, indent, scope);
    // The step's arithmetic, from the one description (codegen/step.ts); inputs load where first read.
    block([...desc.coupling, ...desc.start], 3, top);
    for (const k of desc.fastStates) push(3, `let n_${m.stateNames[k]}_${v} = f32x4.splat(0);`);
    for (const k of desc.slowStates) push(3, `let n_${m.stateNames[k]}_${v} = f32x4.splat(0);`);
    desc.fastStates.forEach((k) => top.add(`n_${m.stateNames[k]}`));
    desc.slowStates.forEach((k) => top.add(`n_${m.stateNames[k]}`));
    push(3, `if (heun) {`);
    block(desc.integrate.heun, 4, new Set(top));
    push(3, `} else {`);
    block(desc.integrate.euler, 4, new Set(top));
    push(3, `}`);
    if (desc.slowStates.length) {
      // Slow states: one Euler step of slowDt from the new fast state, every slowEvery steps.
      push(3, `if (slowStep) {`);
      block(desc.slow, 4, new Set(top));
      desc.slowStates.forEach((k) => push(4, `v128.store(state + ${at(String(k), v)}, n_${m.stateNames[k]}_${v});`));
      push(3, `}`);
    }
    desc.fastStates.forEach((k) => push(3, `v128.store(state + ${at(String(k), v)}, n_${m.stateNames[k]}_${v});`));
    // The new coupled quantities enter the ring at slot `next` (never read during this step).
    block(desc.coupled, 3, top);
    m.coupling.forEach((c, k) => {
      const hv = `h_${c.name}_${v}`;
      push(
        3,
        `{`,
        ...(NODES
          ? [
            `  const slot = ring + <usize>(${k} * nR + (i << 2)) * nodeB + <usize>next * 4;`,
            ...[0, 1, 2, 3].map((q) => `  store<f32>(slot + <usize>${q} * nodeB, f32x4.extract_lane(${hv}, ${q}));`),
            `  if (next < B - 1) {`,
            ...[0, 1, 2, 3].map((q) => `    store<f32>(slot + <usize>${q} * nodeB + <usize>R * 4, f32x4.extract_lane(${hv}, ${q}));`),
            `  }`,
          ]
          : [
            `  const slot = ring + <usize>(${k} * nR + i) * nodeB + ${v * 16};`,
            `  v128.store(slot + <usize>next * ${W * 16}, ${hv});`,
            `  if (next < B - 1) v128.store(slot + <usize>(next + R) * ${W * 16}, ${hv}); // the mirrored slot`,
          ]),
        `}`,
      );
    });
    // Observables: states, then derived (evaluated on the new state with this step's coupling).
    push(3, `if (rec || avgBuf != 0) {`);
    if (desc.slowStates.length) {
      push(4, `if (!slowStep) {`);
      desc.slowStates.forEach((k) => push(5, `n_${m.stateNames[k]}_${v} = v128.load(state + ${at(String(k), v)});`));
      push(4, `}`);
    }
    if (D > 0) {
      desc.derived.forEach((l) => push(4, `let ${l.name}_${v} = f32x4.splat(0);`));
      push(4, `if (needDerived) {`);
      block(desc.derived, 5, new Set([...top, ...desc.derived.map((l) => l.name)]));
      push(4, `}`);
    }
    const obsValues = [...m.stateNames.map((s) => `n_${s}_${v}`), ...m.derived.map((d) => `nd_${d.name}_${v}`)];
    obsValues.forEach((x, k) => {
      push(
        4,
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
