// Runs a set of lane groups (4 simulations each, one f32x4) on one WebAssembly instance.
// Used inline on the calling thread and inside each worker, so its input is plain data
// (GroupPlan) that structured clone can send.

export interface GroupPlan {
  n: number;
  P: number;
  S: number;
  K: number;
  /** Noise channels (states with diffusion). */
  NZ: number;
  R: number;
  /** f32x4 vectors per lane group: a group holds 4·width lanes. */
  width: number;
  nObs: number;
  dt: number;
  heun: number;
  needDerived: number;
  /** Slow states step every slowEvery steps by slowDt ms (0: none). */
  slowEvery: number;
  slowDt: number;
  recordEvery: number;
  nRec: number;
  nAvg: number;
  samplesPerChunk: number;
  /**
   * 1 when the whole simulation is integrated by one runChunk call (nothing recorded): the
   * groups then run one after another through a single delay ring, refilled per group, instead
   * of each holding its own (the rings are most of the memory, and first-touching fresh pages
   * costs as much as hundreds of steps).
   */
  sharedRing: number;
  rowStart: Int32Array;
  /** Per edge: the source node's byte offset in a ring (source · nodeBytes), the delay in bytes (delay · 16 · width), the weight (as f32 bits). */
  edges: Int32Array;
  /** Steps of one coupling pass (asmBlockSteps(width)): ring slots per node are R + blockSteps − 1. */
  blockSteps: number;
  /** blockSteps when every delay is at least that long (one pass per blockSteps steps), else 1. */
  T: number;
  wsum: Float32Array;
  obsSlot: Int32Array;
  avgSlot: Int32Array;
  /** Initial state of each state variable. */
  init: Float32Array;
  /** Lanes this runner owns (a multiple of 4·width after padding): params [lane][node][param]. */
  lanes: number;
  params: Float32Array;
  seeds: Uint32Array;
  streams: Uint32Array;
  /** Initial coupled quantity per lane, node and coupling: [lane][node][k]. */
  h0: Float32Array;
}

const DATA_BASE = 1 << 16;

type RunFn = (...args: number[]) => void;

export class LaneGroupRunner {
  private readonly run: RunFn;
  private readonly f32: Float32Array;
  private readonly f64: Float64Array;
  private readonly groups: { state: number; params: number; ring: number; keys: number; avg: number; sharedKeys: number }[] = [];
  private readonly pRowStart: number;
  private readonly pEdges: number;
  private readonly pWsum: number;
  private readonly pObsSlot: number;
  private readonly pAvgSlot: number;
  private readonly pRec: number;
  private readonly pNoise: number;
  private readonly pCbuf: number;

  private constructor(private readonly plan: GroupPlan, instance: WebAssembly.Instance, memory: WebAssembly.Memory, layout: number[]) {
    this.run = instance.exports.run as RunFn;
    const buf = memory.buffer;
    this.f32 = new Float32Array(buf);
    this.f64 = new Float64Array(buf);
    [this.pRowStart, this.pEdges, this.pWsum, this.pObsSlot, this.pAvgSlot, this.pRec, this.pNoise, this.pCbuf] = layout as [number, number, number, number, number, number, number, number];
  }

  static async create(plan: GroupPlan, module: WebAssembly.Module): Promise<LaneGroupRunner> {
    const { n, P, S, K, R, nObs, nRec, nAvg, samplesPerChunk } = plan;
    const V = plan.width * 16; // bytes of one node's lanes in a group
    let top = DATA_BASE;
    const alloc = (bytes: number) => {
      const at = top;
      top += Math.ceil(bytes / 64) * 64; // cache-line aligned: a 16-lane node block is one line
      return at;
    };
    const layout = [
      alloc((n + 1) * 4),
      alloc(plan.edges.length * 4),
      alloc(n * 4),
      alloc(nObs * 4),
      alloc(nObs * 4),
      alloc(nRec * samplesPerChunk * n * V),
      alloc(plan.NZ * Math.ceil(n / 4) * 16), // one step's normals [channel][node] for groups whose lanes share a key
      alloc(plan.blockSteps * K * n * V), // coupled inputs of one pass: [step][coupling][node][lanes]
    ];
    const G = plan.lanes / (4 * plan.width);
    const ringBytes = K * n * (R + plan.blockSteps - 1) * V;
    const shared = plan.sharedRing ? alloc(ringBytes) : 0;
    const groups = Array.from({ length: G }, () => ({
      state: alloc(S * n * V),
      params: alloc(n * P * V),
      ring: shared || alloc(ringBytes),
      keys: alloc(2 * V),
      avg: nAvg ? alloc(nAvg * n * 2 * V) : 0,
      sharedKeys: 0,
    }));
    const memory = new WebAssembly.Memory({ initial: Math.ceil(top / 65536) + 1 });
    const instance = await WebAssembly.instantiate(module, {
      env: {
        memory,
        abort: () => {
          throw new Error("wasm kernel aborted");
        },
      },
    });
    const r = new LaneGroupRunner(plan, instance, memory, layout);
    r.groups.push(...groups);
    r.load();
    return r;
  }

  private load(): void {
    const { plan, f32 } = this;
    const i32 = new Int32Array(f32.buffer);
    const u32 = new Uint32Array(f32.buffer);
    const { n, P, S, K, R } = plan;
    i32.set(plan.rowStart, this.pRowStart / 4);
    i32.set(plan.edges, this.pEdges / 4);
    f32.set(plan.wsum, this.pWsum / 4);
    i32.set(plan.obsSlot, this.pObsSlot / 4);
    i32.set(plan.avgSlot, this.pAvgSlot / 4);
    const GL = 4 * plan.width; // lanes per group; lane l of a group sits at float index l of each node's block
    this.groups.forEach((g, gi) => {
      const lane0 = gi * GL;
      g.sharedKeys = 1;
      for (let l = 1; l < GL; l++) {
        if (plan.seeds[lane0 + l] !== plan.seeds[lane0] || plan.streams[lane0 + l] !== plan.streams[lane0]) g.sharedKeys = 0;
      }
      for (let l = 0; l < GL; l++) {
        const lane = gi * GL + l;
        u32[g.keys / 4 + l] = plan.seeds[lane]!;
        u32[g.keys / 4 + GL + l] = plan.streams[lane]!;
        for (let i = 0; i < n; i++) {
          for (let p = 0; p < P; p++) f32[g.params / 4 + (i * P + p) * GL + l] = plan.params[(lane * n + i) * P + p]!;
          for (let s = 0; s < S; s++) f32[g.state / 4 + (s * n + i) * GL + l] = plan.init[s]!;
        }
      }
      if (!plan.sharedRing) this.fillRing(gi);
    });
  }

  /** The whole history of group gi starts at its initial coupled quantities: h0 in every slot (ring [k][node][slot][lanes]). */
  private fillRing(gi: number): void {
    const { plan, f32 } = this;
    const { n, K, R } = plan;
    const g = this.groups[gi]!;
    const GL = 4 * plan.width;
    const slots = R + plan.blockSteps - 1;
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < n; i++) {
        const node0 = g.ring / 4 + (k * n + i) * slots * GL;
        for (let l = 0; l < GL; l++) f32[node0 + l] = plan.h0[((gi * GL + l) * n + i) * K + k]!;
        const first = f32.slice(node0, node0 + GL);
        for (let r = 1; r < slots; r++) f32.set(first, node0 + r * GL);
      }
    }
  }

  /** Integrate steps [first, first + steps) on every group; returns recorded samples per recorded slot: lanes × count × n. */
  runChunk(first: number, steps: number, count: number): Float32Array[] {
    const { plan, f32 } = this;
    const n = plan.n;
    const out = Array.from({ length: plan.nRec }, () => new Float32Array(plan.lanes * count * n));
    if (plan.sharedRing && first !== 0) throw new Error("LaneGroupRunner: a shared-ring plan integrates all steps in one runChunk call from step 0");
    this.groups.forEach((g, gi) => {
      if (plan.sharedRing) this.fillRing(gi);
      this.run(n, first, steps, plan.dt, plan.R, plan.heun,
        this.pRowStart, this.pEdges, this.pWsum,
        g.state, g.params, g.ring, g.keys,
        plan.recordEvery, this.pRec, count, this.pObsSlot, g.avg, this.pAvgSlot, plan.needDerived, plan.slowEvery, plan.slowDt, this.pNoise, g.sharedKeys, plan.T, this.pCbuf);
      const GL = 4 * plan.width;
      for (let r = 0; r < plan.nRec; r++) {
        const dst = out[r]!;
        for (let l = 0; l < GL; l++) {
          const lane = gi * GL + l;
          for (let s = 0; s < count; s++) {
            const from = this.pRec / 4 + (r * count + s) * n * GL + l;
            const to = (lane * count + s) * n;
            for (let i = 0; i < n; i++) dst[to + i] = f32[from + i * GL]!;
          }
        }
      }
    });
    return out;
  }

  /** Sums of each averaged observable over all steps so far: [avg][lane][node]. */
  sums(): Float64Array {
    const { plan } = this;
    const n = plan.n;
    const out = new Float64Array(plan.nAvg * plan.lanes * n);
    const GL = 4 * plan.width;
    this.groups.forEach((g, gi) => {
      for (let a = 0; a < plan.nAvg; a++) {
        for (let l = 0; l < GL; l++) {
          // f64 sums: per node, W blocks of (lanes 0,1 | lanes 2,3) pairs — i.e. GL doubles in lane order.
          for (let i = 0; i < n; i++) out[(a * plan.lanes + gi * GL + l) * n + i] = this.f64[g.avg / 8 + (a * n + i) * GL + l]!;
        }
      }
    });
    return out;
  }
}
