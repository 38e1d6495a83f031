// Runs a set of lane groups (4·width simulations, lanes innermost; or, in the "nodes" layout,
// one simulation with 4 nodes per f32x4) on one WebAssembly instance.
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
  /** f32x4 vectors per lane group: a group holds 4·width lanes ("lanes" layout). */
  width: number;
  /** "lanes": a vector holds 4 simulations at one node; "nodes": 4 nodes of one simulation (a group is one lane). */
  layout: "lanes" | "nodes";
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
  /**
   * Steps of one blocked coupling pass (a multiple of asmBlockSteps(width)): ring slots per node
   * are R + blockSteps − 1.
   */
  blockSteps: number;
  /** blockSteps when every delay is at least that long (one pass per blockSteps steps), else 1. */
  T: number;
  /**
   * The blocked pass's edges ("lanes" layout), source-major in tiles of sources whose histories
   * fit the cache: tileRows [tile][target + 1] index tileEdges (the edges format, each row in
   * source order); nTiles 0 when there is no blocked pass.
   */
  tileRows: Int32Array;
  tileEdges: Int32Array;
  nTiles: number;
  /** Without delays (both layouts): weights as [source][target, padded to DENSE_TARGET_PAD] for the dense coupling pass (else empty). */
  denseW: Float32Array;
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

/**
 * Where the kernel keeps a (node, lane) value in a [row][cell][E] array: in the "lanes" layout
 * a cell is a node and E the group's lanes; in the "nodes" layout a cell is a block of four
 * nodes and E = 4 (the group is one lane).
 */
class CellLayout {
  readonly nodes: boolean;
  /** Lanes per group. */
  readonly GL: number;
  /** Cells along the node axis. */
  readonly cells: number;
  /** Floats per cell. */
  readonly E: number;
  /** Nodes a ring holds (padded to whole cells in the "nodes" layout). */
  readonly ringNodes: number;
  constructor(plan: GroupPlan) {
    this.nodes = plan.layout === "nodes";
    this.GL = this.nodes ? 1 : 4 * plan.width;
    const nPad = Math.ceil(plan.n / 4) * 4;
    this.cells = this.nodes ? nPad / 4 : plan.n;
    this.E = this.nodes ? 4 : this.GL;
    this.ringNodes = this.nodes ? nPad : plan.n;
  }
  /** Float index of (row, node i, lane l of the group) from the array's start. */
  cell(row: number, i: number, l: number): number {
    return this.nodes ? (row * this.cells + (i >> 2)) * 4 + (i & 3) : (row * this.cells + i) * this.GL + l;
  }
  /** Float index of parameter p of (node i, lane l): params are [cell][P][E]. */
  param(i: number, p: number, P: number, l: number): number {
    return this.nodes ? ((i >> 2) * P + p) * 4 + (i & 3) : (i * P + p) * this.GL + l;
  }
  /** Float index of ring slot r of (coupling k, node i, lane l): rings are [k][node][slot][lanes or 1]. */
  ring(k: number, i: number, r: number, l: number, slots: number): number {
    return this.nodes ? (k * this.ringNodes + i) * slots + r : ((k * this.ringNodes + i) * slots + r) * this.GL + l;
  }
}

export class LaneGroupRunner {
  private readonly run: RunFn;
  private readonly f32: Float32Array;
  private readonly f64: Float64Array;
  private readonly cl: CellLayout;
  private readonly groups: { state: number; params: number; ring: number; keys: number; avg: number; sharedKeys: number }[] = [];
  private readonly pRowStart: number;
  private readonly pEdges: number;
  private readonly pWsum: number;
  private readonly pObsSlot: number;
  private readonly pAvgSlot: number;
  private readonly pRec: number;
  private readonly pNoise: number;
  private readonly pCbuf: number;
  private readonly pDense: number;
  private readonly pTileRows: number;
  private readonly pTileEdges: number;
  private readonly pEdgeScratch: number;

  private constructor(private readonly plan: GroupPlan, instance: WebAssembly.Instance, memory: WebAssembly.Memory, layout: number[]) {
    this.run = instance.exports.run as RunFn;
    const buf = memory.buffer;
    this.f32 = new Float32Array(buf);
    this.f64 = new Float64Array(buf);
    this.cl = new CellLayout(plan);
    [
      this.pRowStart,
      this.pEdges,
      this.pWsum,
      this.pObsSlot,
      this.pAvgSlot,
      this.pRec,
      this.pNoise,
      this.pCbuf,
      this.pDense,
      this.pTileRows,
      this.pTileEdges,
      this.pEdgeScratch,
    ] = layout as [number, number, number, number, number, number, number, number, number, number, number, number];
  }

  static async create(plan: GroupPlan, module: WebAssembly.Module): Promise<LaneGroupRunner> {
    const { n, P, S, K, R, nObs, nRec, nAvg, samplesPerChunk } = plan;
    const cl = new CellLayout(plan);
    const V = cl.cells * cl.E * 4; // bytes of one row (all nodes, all lanes of a group)
    let top = DATA_BASE;
    const alloc = (bytes: number) => {
      const at = top;
      top += Math.ceil(bytes / 64) * 64; // cache-line aligned: a 16-lane node block is one line
      return at;
    };
    const layout = [
      alloc((n + 1) * 4),
      alloc(plan.edges.length * 4),
      alloc(cl.ringNodes * 4),
      alloc(nObs * 4),
      alloc(nObs * 4),
      alloc(nRec * samplesPerChunk * V),
      // One step's normals [channel][node] for lanes that share a key, or, for lanes with keys of
      // their own, one node's [vector][channel] (two nodes' at width 1).
      alloc(plan.NZ * Math.max(Math.ceil(n / 4), plan.width, 2) * 16),
      alloc(plan.blockSteps * K * V), // coupled inputs of one pass: [step][coupling][cell][E]
      plan.denseW.length ? alloc(plan.denseW.length * 4) : 0,
      alloc(plan.tileRows.length * 4),
      alloc(plan.tileEdges.length * 4),
      alloc(n * 8), // the blocked pass's (ring address, weight) of one target's edges in one tile
    ];
    const G = plan.lanes / cl.GL;
    const ringBytes = K * cl.ringNodes * (R + plan.blockSteps - 1) * (cl.nodes ? 4 : cl.GL * 4);
    const shared = plan.sharedRing ? alloc(ringBytes) : 0;
    const groups = Array.from({ length: G }, () => ({
      state: alloc(S * V),
      params: alloc(P * V),
      ring: shared || alloc(ringBytes),
      keys: alloc(2 * Math.max(cl.GL, 4) * 4),
      avg: nAvg ? alloc(nAvg * 2 * V) : 0,
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
    const { plan, f32, cl } = this;
    const i32 = new Int32Array(f32.buffer);
    const u32 = new Uint32Array(f32.buffer);
    const { n, P, S } = plan;
    i32.set(plan.rowStart, this.pRowStart / 4);
    i32.set(plan.edges, this.pEdges / 4);
    f32.set(plan.wsum, this.pWsum / 4);
    if (this.pDense) f32.set(plan.denseW, this.pDense / 4);
    i32.set(plan.tileRows, this.pTileRows / 4);
    i32.set(plan.tileEdges, this.pTileEdges / 4);
    i32.set(plan.obsSlot, this.pObsSlot / 4);
    i32.set(plan.avgSlot, this.pAvgSlot / 4);
    const GL = cl.GL;
    const KL = Math.max(GL, 4); // key slots: the group's lanes, or 4 copies of the one lane's key
    this.groups.forEach((g, gi) => {
      const lane0 = gi * GL;
      g.sharedKeys = 1;
      for (let l = 1; l < GL; l++) {
        if (plan.seeds[lane0 + l] !== plan.seeds[lane0] || plan.streams[lane0 + l] !== plan.streams[lane0]) g.sharedKeys = 0;
      }
      for (let l = 0; l < KL; l++) {
        u32[g.keys / 4 + l] = plan.seeds[lane0 + Math.min(l, GL - 1)]!;
        u32[g.keys / 4 + KL + l] = plan.streams[lane0 + Math.min(l, GL - 1)]!;
      }
      for (let l = 0; l < GL; l++) {
        const lane = lane0 + l;
        // Padding nodes of the "nodes" layout repeat the last node (finite values, never coupled).
        for (let i = 0; i < cl.cells * cl.E / GL; i++) {
          const src = Math.min(i, n - 1);
          for (let p = 0; p < P; p++) f32[g.params / 4 + cl.param(i, p, P, l)] = plan.params[(lane * n + src) * P + p]!;
          for (let s = 0; s < S; s++) f32[g.state / 4 + cl.cell(s, i, l)] = plan.init[s]!;
        }
      }
      if (!plan.sharedRing) this.fillRing(gi);
    });
  }

  /** The whole history of group gi starts at its initial coupled quantities: h0 in every slot. */
  private fillRing(gi: number): void {
    const { plan, f32, cl } = this;
    const { n, K, R } = plan;
    const g = this.groups[gi]!;
    const slots = R + plan.blockSteps - 1;
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < cl.ringNodes; i++) {
        for (let l = 0; l < cl.GL; l++) {
          const h = plan.h0[((gi * cl.GL + l) * n + Math.min(i, n - 1)) * K + k]!;
          for (let r = 0; r < slots; r++) f32[g.ring / 4 + cl.ring(k, i, r, l, slots)] = h;
        }
      }
    }
  }

  /** Integrate steps [first, first + steps) on every group; returns recorded samples per recorded slot: lanes × count × n. */
  runChunk(first: number, steps: number, count: number): Float32Array[] {
    const { plan, f32, cl } = this;
    const n = plan.n;
    const out = Array.from({ length: plan.nRec }, () => new Float32Array(plan.lanes * count * n));
    if (plan.sharedRing && first !== 0) {
      throw new Error("LaneGroupRunner: a shared-ring plan integrates all steps in one runChunk call from step 0");
    }
    this.groups.forEach((g, gi) => {
      if (plan.sharedRing) this.fillRing(gi);
      this.run(
        n,
        first,
        steps,
        plan.dt,
        plan.R,
        plan.heun,
        this.pRowStart,
        this.pEdges,
        this.pWsum,
        g.state,
        g.params,
        g.ring,
        g.keys,
        plan.recordEvery,
        this.pRec,
        count,
        this.pObsSlot,
        g.avg,
        this.pAvgSlot,
        plan.needDerived,
        plan.slowEvery,
        plan.slowDt,
        this.pNoise,
        g.sharedKeys,
        plan.T,
        this.pCbuf,
        this.pDense,
        this.pTileRows,
        this.pTileEdges,
        plan.nTiles,
        plan.blockSteps,
        this.pEdgeScratch,
      );
      for (let r = 0; r < plan.nRec; r++) {
        const dst = out[r]!;
        for (let l = 0; l < cl.GL; l++) {
          const lane = gi * cl.GL + l;
          for (let s = 0; s < count; s++) {
            const to = (lane * count + s) * n;
            for (let i = 0; i < n; i++) dst[to + i] = f32[this.pRec / 4 + cl.cell(r * count + s, i, l)]!;
          }
        }
      }
    });
    return out;
  }

  /** Sums of each averaged observable over all steps so far: [avg][lane][node]. */
  sums(): Float64Array {
    const { plan, cl } = this;
    const n = plan.n;
    const out = new Float64Array(plan.nAvg * plan.lanes * n);
    this.groups.forEach((g, gi) => {
      for (let a = 0; a < plan.nAvg; a++) {
        for (let l = 0; l < cl.GL; l++) {
          // f64 sums: per cell, E doubles in lane (or node) order (f64x2 pairs of the f32x4 lanes).
          for (let i = 0; i < n; i++) out[(a * plan.lanes + gi * cl.GL + l) * n + i] = this.f64[g.avg / 8 + cl.cell(a, i, l)]!;
        }
      }
    });
    return out;
  }
}
