// AssemblyScript emitter for the WASM gradient kernel: the float32 counterpart of
// grad/backward.ts for four lanes at once (one f32x4 per node and quantity, lanes innermost).
// Two functions, both generated from the step's description (codegen/step.ts) and its adjoint
// (grad/adjoint.ts), so no step arithmetic is written here:
//   forward   steps [first, first + count) from a state and delay ring, optionally recording
//             observables and optionally writing a tape of each node-step's inputs (states,
//             coupling sums, own coupled values, normals) for the backward pass;
//   backward  the same steps in reverse over the tape: per node the step's adjoint, the adjoint
//             state carried to the previous step, parameter gradients summed in float64 (600,000
//             float32 steps would lose the small ones), and the coupling's adjoint scattered into
//             the adjoint ring at the delayed slots it was read from (aH0 when the read came from
//             the initial history), as backward.ts does in float64.
// Blocks of GRAD_BLOCK_STEPS steps (the driver passes T = 8 when every delay is at least 8): as in
// the forward kernel (codegen/asm.ts), the coupling sums of 8 steps depend only on values already
// in the ring, so one pass over the edges reads 8 consecutive slots per edge (a node's history is
// contiguous, slots 0…6 mirrored after slot R − 1). Backwards, the 8 steps' adjoints need only
// adjoint-ring entries completed by later blocks (contributions to H(s + 1) come from steps
// s + 1 + d ≥ s + 9), so they run first and one pass over the edges then scatters their 8
// coupling adjoints into 8 consecutive slots. In the adjoint ring a mirrored slot's value is the
// sum of its two copies. T = 1: one step per pass.
// Memory (byte offsets passed in; 16 bytes = 4 lanes = one cell):
//   state [state][node], params [node][param], ring and adjoint ring [coupling][node][R + 7 slots],
//   tape [step][S states | K sums | K own values | NZ normals][node], recorded samples and their
//   gradients [observable slot][sample][node], aX [state][node], aH0 [coupling][node], cbuf
//   [step of block][coupling][node] (coupling sums forwards, their adjoints backwards), gP
//   [node][param] as two f64x2 (32 bytes); edges of CSR rows rowStart, 16 bytes each: the source's
//   history offset (16·(R + 7)·j), the delay in bytes (16·d), the weight, the source node j; wsum
//   f32 per node; keys: seeds then streams (i32x4).
// Noise: Philox normals4 per lane key at (step, node, block), the forward kernel's draw (when
// the group's lanes share a key, eight nodes per call from the same emitter, sharedNormalsLines).
import type { CompiledModel } from "../models/spec.ts";
import { asmLetValue, sharedNormalsLines } from "../codegen/asm.ts";
import { blockInputs, describeStep, stepInput, type StepLet } from "../codegen/step.ts";
import { type LetBlock, stepAdjoint, stepAdjointLayout, type StepVariant } from "./adjoint.ts";

/** Bump when the gradient kernel's ABI (arguments or memory layout) changes. */
export const ASM_GRAD_ABI_VERSION = 3;

/** Steps per pass over the edges when every delay is at least this long (mirrored ring slots: 7). */
export const GRAD_BLOCK_STEPS = 8;

/** File name of a model's built-in gradient kernel. */
export function asmGradKernelFile(modelName: string): string {
  return `${modelName}.grad.simd.wasm`;
}

/** The variants a model's backward kernel branches over (held slow states and no derived seeds collapse). */
export function gradVariants(m: CompiledModel): StepVariant[] {
  const out: StepVariant[] = [];
  for (const integrator of ["euler", "heun"] as const) {
    for (const slowStep of m.slowStates.length ? [false, true] : [false]) {
      for (const derived of m.derived.length ? [false, true] : [false]) out.push({ integrator, slowStep, derived });
    }
  }
  return out;
}

export function emitAsmGradKernel(m: CompiledModel): string {
  const desc = describeStep(m);
  const S = m.stateNames.length, P = m.paramNames.length, K = m.coupling.length, NZ = m.noiseStates.length;
  const D = m.derived.length;
  const TS = S + 2 * K + NZ; // cells of one node-step on the tape
  const L: string[] = [];
  const push = (indent: number, ...lines: string[]) => lines.forEach((l) => L.push("  ".repeat(indent) + l));
  const SCALARS: Record<string, string> = { t: "tv", t1: "tv1", dt: "vdt", half_dt: "vhalf", sqrt_dt: "vsq", slow_dt: "vsdt" };
  const local = (name: string) => SCALARS[name] ?? name;
  const cell = (base: string, row: string) => `${base} + ((<usize>(${row}) * <usize>n + <usize>i) << 4)`;
  const tapeCell = (slot: number) => `tapeRow + (<usize>(${slot} * n) << 4)`;
  const emitLets = (lets: readonly StepLet[], indent: number, assign: ReadonlySet<string>) => {
    for (const l of lets) {
      const e = asmLetValue(l, local);
      push(indent, assign.has(l.name) ? `${l.name} = ${e};` : `const ${l.name} = ${e};`);
    }
  };

  push(
    0,
    `// Generated by src/grad/asm.ts for model '${m.name}'. Do not edit.`,
    `import { vexp, vlog, vtanh, vsin, vcos, vpow } from "./vmath";`,
    `import { normals4, normals4Nodes, normals8NodesTo, z0, z1, z2, z3 } from "./philox";`,
    `export const ABI: i32 = ${ASM_GRAD_ABI_VERSION};`,
    ``,
  );

  const ringAt = (base: string, k: number | string, node: string, slot: string) =>
    `${base} + <usize>(${k} * n + ${node}) * nodeB + (<usize>(${slot}) << 4)`;
  const cbufAt = (t: number | string, k: number) => `cbuf + (<usize>((${t}) * ${K} + ${k}) * <usize>n + <usize>i << 4)`;
  const TB = GRAD_BLOCK_STEPS;
  const common = [
    `  const vdt = f32x4.splat(dt);`,
    `  const vhalf = f32x4.splat(<f32>0.5 * dt);`,
    `  const vsq = f32x4.splat(<f32>Mathf.sqrt(dt));`,
    `  const vsdt = f32x4.splat(slowDt);`,
    `  const zero = f32x4.splat(0);`,
    `  const nodeB = <usize>(R + ${TB - 1}) << 4; // one node's history: R slots + ${TB - 1} mirrored`,
    `  const RB = R << 4;`,
  ];
  // Per step: time, recording and slow-step flags, the step's tape row.
  const stepHeader = (recBuf: string) => [
    `const now = step % R;`,
    `const next = (step + 1) % R;`,
    `const tv = f32x4.splat(<f32>step * dt);`,
    `const tv1 = f32x4.splat(<f32>(step + 1) * dt);`,
    `const rec = ${recBuf} != 0 && (step + 1) % recEvery == 0 && (step + 1) / recEvery <= recCount;`,
    `const sample = (step + 1) / recEvery - 1;`,
    `const slowStep = slowEvery > 0 && (step + 1) % slowEvery == 0;`,
    `const tapeRow = tape + (<usize>((step - first) * ${TS}) * <usize>n << 4);`,
  ];
  // One pass over node i's edges: perEdge runs per edge with `src`, the offset (within a
  // coupling's ring) of the source's slot step − d for the block's first step; step t is 16·t further.
  const edgePass = (indent: number, perEdge: string[]) =>
    push(
      indent,
      `for (let e = load<i32>(rowStart + (<usize>i << 2)); e < e1; e++) {`,
      `  const edge = edges + (<usize>e << 4);`,
      `  const rel = nowB - load<i32>(edge, 4);`,
      `  const src = <usize>load<i32>(edge) + <usize>select<i32>(rel + RB, rel, rel < 0);`,
      ...perEdge.map((l) => `  ${l}`),
      `}`,
    );

  // ---- forward (and tape) ----
  const fwdLets = [
    ...desc.coupling,
    ...desc.start,
    ...desc.integrate.euler,
    ...desc.integrate.heun,
    ...desc.slow,
    ...desc.coupled,
    ...desc.derived,
  ];
  const fwdParams = new Set(blockInputs(fwdLets).filter((x) => stepInput(m, x)?.role === "p"));
  push(
    0,
    `export function forward(`,
    `  n: i32, first: i32, count: i32, dt: f32, R: i32, heun: i32,`,
    `  rowStart: usize, edges: usize, wsumBuf: usize, state: usize, params: usize, ring: usize, keys: usize,`,
    `  recEvery: i32, recBuf: usize, recCount: i32, obsSlot: usize, needDerived: i32, slowEvery: i32, slowDt: f32, tape: usize,`,
    `  T: i32, cbuf: usize, sharedKeys: i32, noiseBuf: usize,`,
    `): void {`,
    `  const seeds = v128.load(keys);`,
    `  const streams = v128.load(keys, 16);`,
    ...common,
    `  const end = first + count;`,
    `  let s = first;`,
    `  while (s < end) {`,
    `    const Tb = T == ${TB} && end - s >= ${TB} ? ${TB} : 1;`,
    `    const nowB = (s % R) << 4;`,
    `    // Coupling sums of the block's steps: Σ_j w_ij H_j(step − d_ij), in edge order.`,
    `    for (let i = 0; i < n; i++) {`,
    `      const e1 = load<i32>(rowStart + (<usize>(i + 1) << 2));`,
  );
  m.couplingNames.forEach((_c, k) => {
    push(3, `{`, `  const ringK = ring + <usize>(${k} * n) * nodeB;`, `  if (Tb == ${TB}) {`);
    for (let t = 0; t < TB; t++) push(5, `let a${t} = zero;`);
    edgePass(5, [
      `const w = v128.load32_splat(edge, 8);`,
      ...Array.from({ length: TB }, (_, t) => `a${t} = f32x4.add(a${t}, f32x4.mul(w, v128.load(ringK + src, ${16 * t})));`),
    ]);
    for (let t = 0; t < TB; t++) push(5, `v128.store(${cbufAt(t, k)}, a${t});`);
    push(4, `} else {`, `  let a0 = zero;`);
    edgePass(5, [`a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(edge, 8), v128.load(ringK + src)));`]);
    push(5, `v128.store(${cbufAt(0, k)}, a0);`);
    push(4, `}`, `}`);
  });
  push(2, `}`, `    for (let t = 0; t < Tb; t++, s++) {`, `      const step = s;`, ...stepHeader("recBuf").map((l) => `      ${l}`));
  if (NZ > 0) {
    // Lanes that share one key draw the same normals once for the whole group (bit-identical to
    // normals4 per node), splatted from noiseBuf [channel][node].
    push(3, `if (sharedKeys) {`, ...sharedNormalsLines(NZ, "seeds", "streams", "((n + 3) & ~3)").map((l) => `  ${l}`), `}`);
  }
  push(3, `for (let i = 0; i < n; i++) {`);
  const I = 4;
  m.stateNames.forEach((s, k) => push(I, `const x_${s} = v128.load(${cell("state", String(k))});`));
  for (const p of fwdParams) push(I, `const ${p} = v128.load(params + ((<usize>i * ${P} + ${stepInput(m, p)!.index}) << 4));`);
  push(I, `const wsum = f32x4.splat(load<f32>(wsumBuf + (<usize>i << 2)));`);
  m.couplingNames.forEach((c, k) => {
    push(I, `const cs_${c} = v128.load(${cbufAt("t", k)});`, `const hs_${c} = v128.load(${ringAt("ring", k, "i", "now")});`);
  });
  for (let q = 0; q < NZ; q++) push(I, `let z_${q} = zero;`);
  if (NZ > 0) {
    push(I, `if (sharedKeys) {`);
    for (let q = 0; q < NZ; q++) push(I + 1, `z_${q} = v128.load32_splat(noiseBuf + (<usize>(${q} * ((n + 3) & ~3) + i) << 2));`);
    push(I, `} else {`);
    for (let b = 0; b < NZ; b += 4) {
      push(I + 1, `normals4(<u32>step, <u32>i, ${b >> 2}, seeds, streams, ${Math.min(NZ - b, 4) > 2});`);
      for (let q = 0; q < 4 && b + q < NZ; q++) push(I + 1, `z_${b + q} = z${q};`);
    }
    push(I, `}`);
  }
  push(I, `if (tape != 0) {`);
  m.stateNames.forEach((s, k) => push(I + 1, `v128.store(${tapeCell(k)} + (<usize>i << 4), x_${s});`));
  m.couplingNames.forEach((c, k) => {
    push(
      I + 1,
      `v128.store(${tapeCell(S + k)} + (<usize>i << 4), cs_${c});`,
      `v128.store(${tapeCell(S + K + k)} + (<usize>i << 4), hs_${c});`,
    );
  });
  for (let q = 0; q < NZ; q++) push(I + 1, `v128.store(${tapeCell(S + 2 * K + q)} + (<usize>i << 4), z_${q});`);
  push(I, `}`);
  emitLets([...desc.coupling, ...desc.start], I, new Set());
  const newStates = m.stateNames.map((s) => `n_${s}`);
  for (const v of newStates) push(I, `let ${v} = zero;`);
  const fastNew = new Set(desc.fastStates.map((k) => `n_${m.stateNames[k]}`));
  push(I, `if (heun) {`);
  emitLets(desc.integrate.heun, I + 1, fastNew);
  push(I, `} else {`);
  emitLets(desc.integrate.euler, I + 1, fastNew);
  push(I, `}`);
  if (desc.slowStates.length) {
    push(I, `if (slowStep) {`);
    emitLets(desc.slow, I + 1, new Set(newStates));
    push(I, `} else {`);
    desc.slowStates.forEach((k) => push(I + 1, `n_${m.stateNames[k]} = x_${m.stateNames[k]};`));
    push(I, `}`);
  }
  m.stateNames.forEach((s, k) => push(I, `v128.store(${cell("state", String(k))}, n_${s});`));
  // The new coupled values enter slot `next` (and its mirror), which no read of this block touches.
  emitLets(desc.coupled, I, new Set());
  m.couplingNames.forEach((c, k) => {
    push(
      I,
      `{`,
      `  const h = ${ringAt("ring", k, "i", "next")};`,
      `  v128.store(h, h_${c});`,
      `  if (next < ${TB - 1}) v128.store(h + <usize>RB, h_${c});`,
      `}`,
    );
  });
  push(I, `if (rec) {`);
  for (const d of desc.derived) push(I + 1, `let ${d.name} = zero;`);
  if (D) {
    push(I + 1, `if (needDerived) {`);
    emitLets(desc.derived, I + 2, new Set(desc.derived.map((l) => l.name)));
    push(I + 1, `}`);
  }
  [...newStates, ...desc.derived.map((l) => l.name)].forEach((x, k) => {
    push(
      I + 1,
      `{`,
      `  const r = load<i32>(obsSlot + ${k * 4});`,
      `  if (r >= 0) v128.store(${cell("recBuf", "r * recCount + sample")}, ${x});`,
      `}`,
    );
  });
  push(I, `}`, `      }`, `    }`, `  }`, `}`, ``);

  // ---- backward ----
  const variants = gradVariants(m);
  const blocks = variants.map((v) => stepAdjoint(desc, v));
  const { wrt } = stepAdjointLayout(desc);
  const outputs = wrt.map((w) => `adj_${w}`);
  // Outputs that are zero in every variant (a parameter the step never reads) are never stored.
  const zeroIn = (b: LetBlock, o: string) => {
    const l = b.lets.find((x) => x.name === o);
    return l !== undefined && l.expr.kind === "num" && l.expr.value === 0;
  };
  const live = new Set(outputs.filter((o) => !blocks.every((b) => zeroIn(b, o))));
  const inputs = new Set(blocks.flatMap((b) => blockInputs(b.lets)));
  push(
    0,
    `export function backward(`,
    `  n: i32, first: i32, count: i32, dt: f32, R: i32, heun: i32,`,
    `  rowStart: usize, edges: usize, wsumBuf: usize, params: usize,`,
    `  recEvery: i32, gRec: usize, recCount: i32, obsSlot: usize, derivedSeeded: i32, slowEvery: i32, slowDt: f32, tape: usize,`,
    `  aX: usize, aRing: usize, aH0: usize, gP: usize, T: i32, cbuf: usize,`,
    `): void {`,
    ...common,
    `  let hi = first + count;`,
    `  while (hi > first) {`,
    `    const Tb = T == ${TB} && hi - first >= ${TB} ? ${TB} : 1;`,
    `    const s0 = hi - Tb;`,
    `    // The block's steps backwards, node by node; coupling adjoints to cbuf.`,
    `    for (let t = Tb - 1; t >= 0; t--) {`,
    `      const step = s0 + t;`,
    ...stepHeader("gRec").map((l) => `      ${l}`),
    `      const withDerived = rec && derivedSeeded != 0;`,
    `      for (let i = 0; i < n; i++) {`,
  );
  // Inputs every variant may read: from the tape, the parameters, the adjoints flowing in.
  for (const name of inputs) {
    const r = stepInput(m, name);
    if (!r) continue;
    switch (r.role) {
      case "x":
        push(I, `const ${name} = v128.load(${tapeCell(r.index)} + (<usize>i << 4));`);
        break;
      case "cs":
        push(I, `const ${name} = v128.load(${tapeCell(S + r.index)} + (<usize>i << 4));`);
        break;
      case "hs":
        push(I, `const ${name} = v128.load(${tapeCell(S + K + r.index)} + (<usize>i << 4));`);
        break;
      case "z":
        push(I, `const ${name} = v128.load(${tapeCell(S + 2 * K + r.index)} + (<usize>i << 4));`);
        break;
      case "p":
        push(I, `const ${name} = v128.load(params + ((<usize>i * ${P} + ${r.index}) << 4));`);
        break;
      case "wsum":
        push(I, `const wsum = f32x4.splat(load<f32>(wsumBuf + (<usize>i << 2)));`);
        break;
      case "time":
        break; // splatted per step
    }
  }
  // Seeds: the next step's adjoint state (+ the loss's gradient of a recorded sample), the
  // completed adjoint of this step's coupled output H(step + 1), taken out of the adjoint ring
  // (both copies of a mirrored slot).
  const seedOf = (i: number) =>
    `{ const r = load<i32>(obsSlot + ${i * 4}); if (rec && r >= 0) g = f32x4.add(g, v128.load(${
      cell("gRec", "r * recCount + sample")
    })); }`;
  m.stateNames.forEach((s, k) => {
    push(I, `let ga_n_${s} = v128.load(${cell("aX", String(k))});`, `{ let g = ga_n_${s}; ${seedOf(k)} ga_n_${s} = g; }`);
  });
  m.derived.forEach((d, j) => push(I, `let ga_nd_${d.name} = zero;`, `{ let g = zero; ${seedOf(S + j)} ga_nd_${d.name} = g; }`));
  m.couplingNames.forEach((c, k) => {
    push(
      I,
      `const aH_${c} = ${ringAt("aRing", k, "i", "next")};`,
      `let ga_h_${c} = v128.load(aH_${c});`,
      `v128.store(aH_${c}, zero);`,
      `if (next < ${TB - 1}) {`,
      `  ga_h_${c} = f32x4.add(ga_h_${c}, v128.load(aH_${c} + <usize>RB));`,
      `  v128.store(aH_${c} + <usize>RB, zero);`,
      `}`,
    );
  });
  for (const o of live) push(I, `let o_${o} = zero;`);
  // One block per variant: the adjoint's lets, then its live outputs.
  const test = (v: StepVariant) =>
    [
      v.integrator === "heun" ? "heun" : "!heun",
      ...(m.slowStates.length ? [v.slowStep ? "slowStep" : "!slowStep"] : []),
      ...(D ? [v.derived ? "withDerived" : "!withDerived"] : []),
    ].join(" && ");
  variants.forEach((v, b) => {
    push(I, `${b === 0 ? "if" : "} else if"} (${test(v)}) {`);
    const block = blocks[b]!;
    for (const x of blockInputs(block.lets)) if (!inputs.has(x)) throw new Error(`gradient kernel: input '${x}' was not loaded`);
    emitLets(block.lets, I + 1, new Set());
    for (const o of block.outputs) if (live.has(o)) push(I + 1, `o_${o} = ${o};`);
  });
  push(I, `}`);
  // The adjoint state of step − 1.
  m.stateNames.forEach((s, k) => push(I, `v128.store(${cell("aX", String(k))}, ${live.has(`adj_x_${s}`) ? `o_adj_x_${s}` : "zero"});`));
  // Parameters: float64 sums (lanes 0–1, then 2–3).
  m.paramNames.forEach((p, k) => {
    if (!live.has(`adj_p_${p}`)) return;
    const a = `o_adj_p_${p}`;
    push(
      I,
      `{`,
      `  const at = gP + ((<usize>i * ${P} + ${k}) << 5);`,
      `  v128.store(at, f64x2.add(v128.load(at), f64x2.promote_low_f32x4(${a})));`,
      `  v128.store(at, f64x2.add(v128.load(at, 16), f64x2.promote_low_f32x4(v128.shuffle<i32>(${a}, ${a}, 2, 3, 0, 1))), 16);`,
      `}`,
    );
  });
  m.couplingNames.forEach((c, k) => {
    if (live.has(`adj_cs_${c}`)) push(I, `v128.store(${cbufAt("t", k)}, o_adj_cs_${c});`);
    // The own term reads H_i(step): its adjoint goes straight to that slot (or the initial history).
    if (live.has(`adj_hs_${c}`)) {
      push(
        I,
        `{`,
        `  const to = step >= 1 ? ${ringAt("aRing", k, "i", "now")} : aH0 + (<usize>(${k} * n + i) << 4);`,
        `  v128.store(to, f32x4.add(v128.load(to), o_adj_hs_${c}));`,
        `}`,
      );
    }
  });
  push(3, `}`, `    }`);
  // Scatter: the sum at step s0 + t read H_j(s0 + t − d) for each in-edge; its adjoint goes to
  // that slot (8 consecutive slots for a block), or to aH0 when s0 + t − d < 1.
  const scatter = m.couplingNames.map((c, k) => ({ c, k })).filter(({ c }) => live.has(`adj_cs_${c}`));
  if (scatter.length) {
    push(2, `const nowB = (s0 % R) << 4;`, `for (let i = 0; i < n; i++) {`, `  const e1 = load<i32>(rowStart + (<usize>(i + 1) << 2));`);
    for (const { k } of scatter) {
      push(3, `{`, `  const aRingK = aRing + <usize>(${k} * n) * nodeB;`, `  const aH0K = aH0 + (<usize>(${k} * n) << 4);`);
      push(4, `if (Tb == ${TB}) {`);
      for (let t = 0; t < TB; t++) push(5, `const a${t} = v128.load(${cbufAt(t, k)});`);
      edgePass(5, [
        `const w = v128.load32_splat(edge, 8);`,
        `if (load<i32>(edge, 4) >> 4 < s0) {`,
        ...Array.from(
          { length: TB },
          (_, t) => `  { const p = aRingK + src + ${16 * t}; v128.store(p, f32x4.add(v128.load(p), f32x4.mul(w, a${t}))); }`,
        ),
        `} else {`,
        ...Array.from(
          { length: TB },
          (_, t) =>
            `  { const p = (load<i32>(edge, 4) >> 4) < s0 + ${t} ? aRingK + src + ${
              16 * t
            } : aH0K + (<usize>load<i32>(edge, 12) << 4); v128.store(p, f32x4.add(v128.load(p), f32x4.mul(w, a${t}))); }`,
        ),
        `}`,
      ]);
      push(4, `} else {`, `  const a0 = v128.load(${cbufAt(0, k)});`);
      edgePass(5, [
        `const p = (load<i32>(edge, 4) >> 4) < s0 ? aRingK + src : aH0K + (<usize>load<i32>(edge, 12) << 4);`,
        `v128.store(p, f32x4.add(v128.load(p), f32x4.mul(v128.load32_splat(edge, 8), a0)));`,
      ]);
      push(4, `}`, `}`);
    }
    push(2, `}`);
  }
  push(1, `  hi = s0;`, `  }`, `}`);
  return L.join("\n") + "\n";
}
