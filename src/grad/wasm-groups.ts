// Lane groups of the WASM gradient kernel (grad/asm.ts) in one WebAssembly instance: on the
// calling thread or in a worker (grad/worker.ts). A GradPlan is plain data (structured-clone
// safe); the host (grad/wasm.ts) builds it, runs the loss between forward and backward, and maps
// the initial history's adjoint to parameters in float64.
//   forward(g)          lane group g from its initial state, checkpointing every KS steps:
//                       the recording per lane as float64 (samples × nodes per observable);
//   backward(g, grads)  the loss's gradient per recorded sample → per lane the parameter
//                       gradient [node][param] (float64 sums) and aH0 [node][coupling].
// Memory per instance: checkpoints of one lane group (all of them when `keepCheckpoints`, for a
// loss of every lane together), the tape of one segment, the rings, the recording.

/** What one instance computes: its lane groups' inputs and the kernel's sizes. */
export interface GradPlan {
  n: number;
  P: number;
  S: number;
  K: number;
  NZ: number;
  /** Ring slots R = maxDelay + 2, with RS = R + 7 mirrored (grad/asm.ts). */
  R: number;
  RS: number;
  /** Steps per pass over the edges (8 when every delay is at least 8, else 1). */
  T: number;
  /** Steps between checkpoints, and checkpoints per lane group. */
  KS: number;
  nCk: number;
  nSteps: number;
  dt: number;
  heun: number;
  slowEvery: number;
  slowDt: number;
  recordEvery: number;
  nSamples: number;
  nRec: number;
  needDerived: number;
  rowStart: Int32Array;
  /** Per edge: source history offset, delay bytes, weight (f32 bits), source node. */
  edges: Int32Array;
  wsum: Float32Array;
  obsSlot: Int32Array;
  /** Lane groups held here and the real lanes of each (the rest repeat the last). */
  groups: number;
  realLanes: number[];
  /** Per group: [node][param][4 lanes] f32, keys (seeds then streams), whether one key serves all. */
  params: Float32Array;
  keys: Uint32Array;
  sharedKeys: number[];
  /** Per group: the initial state [state][node][4] and history [coupling][node][RS][4]. */
  state0: Float32Array;
  ring0: Float32Array;
  /** Keep every group's checkpoints until its backward pass (a loss of all lanes together). */
  keepCheckpoints: boolean;
}

type Kernel = {
  forward: (...a: number[]) => void;
  backward: (...a: number[]) => void;
};

export class GradRunner {
  private constructor(
    private readonly plan: GradPlan,
    private readonly kernel: Kernel,
    private readonly memory: WebAssembly.Memory,
    private readonly at: Record<string, number>,
    private readonly ckAt: number[],
  ) {}

  /** Bytes of WebAssembly memory this instance holds. */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  static async create(plan: GradPlan, module: WebAssembly.Module): Promise<GradRunner> {
    const { n, P, S, K, NZ, RS, KS, nCk, nRec, nSamples } = plan;
    let top = 1024;
    const alloc = (bytes: number) => {
      const a = top;
      top += Math.ceil(bytes / 64) * 64; // cache-line aligned
      return a;
    };
    const at = {
      rowStart: alloc((n + 1) * 4),
      edges: alloc(plan.edges.length * 4),
      wsum: alloc(n * 4),
      obsSlot: alloc(plan.obsSlot.length * 4),
      keys: alloc(32),
      params: alloc(n * P * 16),
      state: alloc(S * n * 16),
      ring: alloc(K * RS * n * 16),
      cbuf: alloc(8 * K * n * 16),
      noise: alloc(NZ * Math.ceil(n / 4) * 16),
      tape: alloc(KS * n * (S + 2 * K + NZ) * 16),
      rec: alloc(nRec * nSamples * n * 16),
      aX: alloc(S * n * 16),
      aRing: alloc(K * RS * n * 16),
      aH0: alloc(K * n * 16),
      gP: alloc(n * P * 32),
    };
    const ckBytes = nCk * (S + K * RS) * n * 16;
    const ckAt = Array.from({ length: plan.keepCheckpoints ? plan.groups : 1 }, () => alloc(ckBytes));
    const memory = new WebAssembly.Memory({ initial: Math.ceil(top / 65536) + 1 });
    const instance = await WebAssembly.instantiate(module, {
      env: {
        memory,
        abort: () => {
          throw new Error("wasm gradient kernel aborted");
        },
      },
    });
    const buf = memory.buffer;
    new Int32Array(buf).set(plan.rowStart, at.rowStart / 4);
    new Int32Array(buf).set(plan.edges, at.edges / 4);
    new Float32Array(buf).set(plan.wsum, at.wsum / 4);
    new Int32Array(buf).set(plan.obsSlot, at.obsSlot / 4);
    return new GradRunner(plan, instance.exports as unknown as Kernel, memory, at, ckAt);
  }

  /** Group g's parameters and keys; with `init`, its initial state and history. */
  private load(g: number, init: boolean): void {
    const { plan, at } = this;
    const { n, P, S, K, RS } = plan;
    const buf = this.memory.buffer;
    new Float32Array(buf).set(plan.params.subarray(g * n * P * 4, (g + 1) * n * P * 4), at.params / 4);
    new Uint32Array(buf).set(plan.keys.subarray(g * 8, g * 8 + 8), at.keys / 4);
    if (!init) return;
    new Float32Array(buf).set(plan.state0.subarray(g * S * n * 4, (g + 1) * S * n * 4), at.state / 4);
    new Float32Array(buf).set(plan.ring0.subarray(g * K * n * RS * 4, (g + 1) * K * n * RS * 4), at.ring / 4);
  }

  private fwd(g: number, first: number, count: number, record: boolean, tape: number): void {
    const { plan, at } = this;
    this.kernel.forward(
      plan.n,
      first,
      count,
      plan.dt,
      plan.R,
      plan.heun,
      at.rowStart,
      at.edges,
      at.wsum,
      at.state,
      at.params,
      at.ring,
      at.keys,
      plan.recordEvery,
      record && plan.nRec ? at.rec : 0,
      plan.nSamples,
      at.obsSlot,
      plan.needDerived,
      plan.slowEvery,
      plan.slowDt,
      tape,
      plan.T,
      at.cbuf,
      plan.sharedKeys[g]!,
      at.noise,
    );
  }

  private checkpoint(g: number, c: number, save: boolean): void {
    const { plan, at } = this;
    const u8 = new Uint8Array(this.memory.buffer);
    const stateB = plan.S * plan.n * 16, ringB = plan.K * plan.RS * plan.n * 16;
    const ck = this.ckAt[plan.keepCheckpoints ? g : 0]! + c * (stateB + ringB);
    if (save) {
      u8.copyWithin(ck, at.state, at.state + stateB);
      u8.copyWithin(ck + stateB, at.ring, at.ring + ringB);
    } else {
      u8.copyWithin(at.state, ck, ck + stateB);
      u8.copyWithin(at.ring, ck + stateB, ck + stateB + ringB);
    }
  }

  /** Forward pass of group g: per real lane, per recorded observable, samples × nodes (float64). */
  forward(g: number): Float64Array[][] {
    const { plan, at } = this;
    const { n, KS, nCk, nSteps, nSamples, nRec } = plan;
    this.load(g, true);
    for (let c = 0; c < nCk; c++) {
      this.checkpoint(g, c, true);
      this.fwd(g, c * KS, Math.min(KS, nSteps - c * KS), true, 0);
    }
    const f32 = new Float32Array(this.memory.buffer);
    return Array.from({ length: plan.realLanes[g]! }, (_, l) =>
      Array.from({ length: nRec }, (_, r) => {
        const out = new Float64Array(nSamples * n);
        for (let c = 0; c < nSamples * n; c++) out[c] = f32[at.rec / 4 + (r * nSamples * n + c) * 4 + l]!;
        return out;
      }));
  }

  /**
   * Backward pass of group g, given per real lane and recorded observable the loss's gradient
   * (samples × nodes). Returns per real lane the parameter gradient [node][param] and aH0
   * [node][coupling], both float64.
   */
  backward(g: number, grads: Float64Array[][]): { gP: Float64Array; aH0: Float64Array } {
    const { plan, at } = this;
    const { n, P, S, K, RS, KS, nCk, nSteps, nSamples, nRec } = plan;
    this.load(g, false);
    const buf = this.memory.buffer;
    const f32 = new Float32Array(buf), f64 = new Float64Array(buf);
    // The loss's gradient per recorded sample, in the recording's layout (padding lanes: zero).
    f32.fill(0, at.rec / 4, at.rec / 4 + nRec * nSamples * n * 4);
    grads.forEach((lane, l) => {
      lane.forEach((gr, r) => {
        for (let c = 0; c < nSamples * n; c++) f32[at.rec / 4 + (r * nSamples * n + c) * 4 + l] = gr[c]!;
      });
    });
    f32.fill(0, at.aX / 4, at.aX / 4 + S * n * 4);
    f32.fill(0, at.aRing / 4, at.aRing / 4 + K * RS * n * 4);
    f32.fill(0, at.aH0 / 4, at.aH0 / 4 + K * n * 4);
    f64.fill(0, at.gP / 8, at.gP / 8 + n * P * 4);
    for (let c = nCk - 1; c >= 0; c--) {
      const first = c * KS, count = Math.min(KS, nSteps - first);
      this.checkpoint(g, c, false);
      this.fwd(g, first, count, false, at.tape);
      this.kernel.backward(
        n,
        first,
        count,
        plan.dt,
        plan.R,
        plan.heun,
        at.rowStart,
        at.edges,
        at.wsum,
        at.params,
        plan.recordEvery,
        nRec ? at.rec : 0,
        nSamples,
        at.obsSlot,
        plan.needDerived,
        plan.slowEvery,
        plan.slowDt,
        at.tape,
        at.aX,
        at.aRing,
        at.aH0,
        at.gP,
        plan.T,
        at.cbuf,
      );
    }
    const lanes = grads.length;
    const gP = new Float64Array(lanes * n * P), aH0 = new Float64Array(lanes * n * K);
    for (let l = 0; l < lanes; l++) {
      for (let c = 0; c < n * P; c++) gP[l * n * P + c] = f64[at.gP / 8 + c * 4 + l]!;
      for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) aH0[(l * n + i) * K + k] = f32[at.aH0 / 4 + (k * n + i) * 4 + l]!;
    }
    return { gP, aH0 };
  }
}
