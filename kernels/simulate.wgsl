// Template of the per-model simulation kernel. src/codegen/wgsl.ts fills the /*@…@*/ slots
// from a CompiledModel (constants, initial state, and the step: the coupling sums, noise, then
// the step's arithmetic emitted from src/codegen/step.ts's description, record) and prepends
// philox.wgsl. The step order is src/backends/reference.ts's, in f32.
//
// Lanes innermost: every per-lane array is laid out [..][node][lane], so adjacent invocations
// (adjacent lanes) touch adjacent words and one edge's delayed read is one coalesced load
// across a subgroup. The network (CSR rows, or the dense weight matrix when no edge has a
// delay) is the same for every lane: its loads are uniform across a subgroup (broadcast).
//
// A workgroup is LW lanes × NS node slices, and each invocation integrates LM lanes (LM > 1 on
// software adapters: every uniform load of the network, which llvmpipe fetches once per
// invocation, then serves LM lanes): invocation (lx, ly) integrates lanes (wid.x·LM + m)·LW + lx
// for m < LM, nodes ly, ly + NS, … (tiles of NT nodes on the dense path). The driver pads a lane
// group to a multiple of LW·LM lanes (copies of its first lane), so no invocation idles behind a
// divergent branch and the node loops stay uniform. Coupling reads
// ring slots step − d (0 <= d <= R − 2) while the new coupled values go to slot step + 1,
// which nobody reads in this step (R = maxDelay + 2): with NS > 1 one barrier per step makes
// every slice's writes visible before the next step; with NS = 1 an invocation owns its lanes
// and needs no barrier at all.

struct Run {
  n_nodes: u32,
  ring_len: u32,
  n_edges: u32,
  lane_count: u32,
  first_step: u32,
  n_steps: u32,
  chunk_start: u32,
  chunk_count: u32,
  record_every: u32,
  n_samples: u32,
  // slow states (e.g. BOLD) take one Euler step of slow_dt after every slow_every-th step (0: none)
  slow_every: u32,
  pad1: u32,
  dt: f32,
  sqrt_dt: f32,
  half_dt: f32,
  slow_dt: f32,
}

@group(0) @binding(0) var<uniform> run: Run;
// [node][state][lane]
@group(0) @binding(1) var<storage, read_write> state: array<f32>;
// Coupled quantity h of every node for the last R steps, stored twice (slots s and s + R), so a
// delayed read is one add: no wrap-around test per edge. CSR path: RingT = f32,
// [coupling][slot][node][lane]; dense path: RingT = vec4<f32>, [coupling][slot][node / 4][lane]
// holding nodes 4q … 4q + 3, so one load brings four sources of one lane (ring_get/ring_set).
// Both are tiled by blocks of LW lanes, [lane / LW] outermost and [lane % LW] innermost, so one
// workgroup's history (its LM blocks) is contiguous.
@group(0) @binding(2) var<storage, read_write> ring: array<RingT>;
// [node][param][lane]
@group(0) @binding(3) var<storage, read> params: array<f32>;
// Network shared by all lanes. CSR (NetT = u32): rowStart[N + 1] (padded to even length), then
// per edge (source − delay·N as i32, weight bits). Dense (no delays, NetT = vec4<f32>): weights
// [row][source / 4], rows padded with zeros to a multiple of NT and columns to a multiple of 4.
@group(0) @binding(4) var<storage, read> net: array<NetT>;
// (seed, stream) per lane
@group(0) @binding(5) var<storage, read> keys: array<vec2<u32>>;
// recorded samples of this chunk: [observable][sample in chunk][node][lane]
@group(0) @binding(6) var<storage, read_write> rec: array<f32>;
// running sums of averaged observables since the last read-back: [node][observable][lane]
@group(0) @binding(7) var<storage, read_write> sums: array<f32>;

// What every node of one step shares.
struct Step {
  step: u32,
  now: u32,
  next: u32,
  t: f32,
  record_here: bool,
  sample_in_chunk: u32,
  slow_here: bool,
}

/*@MODEL@*/

fn state_at(i: u32, s: u32, lane: u32) -> u32 {
  return (i * N_STATES + s) * run.lane_count + lane;
}


fn load_state(lane: u32, i: u32) -> array<f32, N_STATES> {
  var x: array<f32, N_STATES>;
  for (var s = 0u; s < N_STATES; s++) {
    x[s] = state[state_at(i, s, lane)];
  }
  return x;
}

fn store_state(lane: u32, i: u32, x: array<f32, N_STATES>) {
  var v = x;
  for (var s = 0u; s < N_STATES; s++) {
    state[state_at(i, s, lane)] = v[s];
  }
}

fn param_at(i: u32, k: u32, lane: u32) -> u32 {
  return (i * N_PARAMS + k) * run.lane_count + lane;
}

// Initial states, and their coupled values as the whole history (t <= 0).
@compute @workgroup_size(LW, NS)
fn sim_init(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  for (var m = 0u; m < LM; m++) {
    let lane = (wid.x * LM + m) * LW + lid.x;
    let pg = load_globals(lane);
    let x = model_init();
    for (var i = lid.y; i < run.n_nodes; i += NS) {
      store_state(lane, i, x);
    }
    // Slot by slot, nodes inner: the ring is written in address order (h is recomputed per slot).
    for (var r = 0u; r < 2u * run.ring_len; r++) {
      for (var i = lid.y; i < run.n_nodes; i += NS) {
        let h = model_coupled(x, load_params(lane, i, pg));
        for (var k = 0u; k < N_COUPLINGS; k++) {
          ring_set(k, r, i, lane, h[k]);
        }
      }
    }
  }
}

// One node of one lane through one step, given its coupling input c and row weight sum.
fn node_step(lane: u32, i: u32, key: vec2<u32>, st: Step, c_in: array<f32, N_COUPLINGS1>, wsum: f32, pg: array<f32, N_PARAMS1>) {
  let n = run.n_nodes;
  let step = st.step;
  let t = st.t;
/*@LOAD_STATE@*/
  let p = load_params(lane, i, pg);
  // noise: Philox normals of (seed, stream, node, step, channel)
  var z = array<f32, N_NOISE4>();
/*@NOISE@*/
  // the step (src/codegen/step.ts): coupling input, drift and integrator with coupling and noise
  // held over the step, clamps, slow step, new state into x (stored), h into the ring, derived
/*@STEP@*/
/*@RECORD@*/
}

@compute @workgroup_size(LW, NS)
fn sim_step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let lx = lid.x;
  // this invocation's lanes (m < LM): lane (wid.x·LM + m)·LW + lx, ring tile wid.x·LM + m.
  // Their keys and global parameters (one per lane) are loaded once per dispatch.
  var lanes: array<u32, LM>;
  var keys_m: array<vec2<u32>, LM>;
  var pgs: array<array<f32, N_PARAMS1>, LM>;
  for (var m = 0u; m < LM; m++) {
    lanes[m] = (wid.x * LM + m) * LW + lx;
    keys_m[m] = keys[lanes[m]];
    pgs[m] = load_globals(lanes[m]);
  }
  let n = run.n_nodes;
  let R = run.ring_len;
  let L = run.lane_count;
/*@HOLD_IN@*/
  for (var s = 0u; s < run.n_steps; s++) {
    var st: Step;
    st.step = run.first_step + s;
    st.now = st.step % R;
    st.next = select(st.now + 1u, 0u, st.now + 1u == R);
    st.t = f32(st.step) * run.dt;
    let sample_here = ((st.step + 1u) % run.record_every) == 0u;
    let sample = (st.step + 1u) / run.record_every - 1u;
    st.record_here = sample_here && sample >= run.chunk_start && sample < run.chunk_start + run.chunk_count;
    st.sample_in_chunk = sample - run.chunk_start;
    st.slow_here = run.slow_every > 0u && ((st.step + 1u) % run.slow_every) == 0u;
/*@SHARED_NOISE@*/
/*@COUPLING@*/
/*@BARRIER@*/
  }
/*@HOLD_OUT@*/
}
