// Template of the per-model simulation kernel. src/backends/webgpu/kernel.ts fills the
// /*@…@*/ slots from a CompiledModel (constants, model functions, integrator, observables)
// and prepends philox.wgsl. The step order is src/backends/reference.ts's, in f32.
//
// One workgroup integrates one lane (one simulation); its invocations share the lane's
// nodes (node i belongs to invocation i mod WG for the whole run, so a node's state is only
// ever touched by one invocation). Coupling reads the delay ring at slots step − d
// (0 <= d <= R − 2) while the new coupled values go to slot step + 1, which nobody reads in
// this step (R = maxDelay + 2): one barrier per step is enough to make every node's write
// visible before the next step reads the history.

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
// [lane][node][state]
@group(0) @binding(1) var<storage, read_write> state: array<f32>;
// [lane][coupling][slot][node]: coupled quantity h of every node for the last R steps, stored
// twice (slots s and s + R), so a delayed read is one add: no wrap-around test per edge
@group(0) @binding(2) var<storage, read_write> ring: array<f32>;
// [lane][node][param]
@group(0) @binding(3) var<storage, read> params: array<f32>;
// CSR network shared by all lanes: rowStart[N + 1] (padded to even length), then per edge
// (source − delay·N as i32, weight bits): one 8-byte load per edge
@group(0) @binding(4) var<storage, read> net: array<u32>;
// (seed, stream) per lane
@group(0) @binding(5) var<storage, read> keys: array<vec2<u32>>;
// recorded samples of this chunk: [observable][lane][sample in chunk][node]
@group(0) @binding(6) var<storage, read_write> rec: array<f32>;
// running sums of averaged observables since the last read-back: [lane][node][observable]
@group(0) @binding(7) var<storage, read_write> sums: array<f32>;

/*@MODEL@*/

fn load_state(lane: u32, i: u32) -> array<f32, N_STATES> {
  var x: array<f32, N_STATES>;
  let base = (lane * run.n_nodes + i) * N_STATES;
  for (var s = 0u; s < N_STATES; s++) {
    x[s] = state[base + s];
  }
  return x;
}

fn store_state(lane: u32, i: u32, x: array<f32, N_STATES>) {
  let base = (lane * run.n_nodes + i) * N_STATES;
  var v = x;
  for (var s = 0u; s < N_STATES; s++) {
    state[base + s] = v[s];
  }
}

fn load_params(lane: u32, i: u32) -> array<f32, N_PARAMS1> {
  var p: array<f32, N_PARAMS1>;
  let base = (lane * run.n_nodes + i) * N_PARAMS;
  for (var k = 0u; k < N_PARAMS; k++) {
    p[k] = params[base + k];
  }
  return p;
}

fn ring_index(lane: u32, k: u32, slot: u32, i: u32) -> u32 {
  return ((lane * N_COUPLINGS1 + k) * 2u * run.ring_len + slot) * run.n_nodes + i;
}

// Initial states, and their coupled values as the whole history (t <= 0).
@compute @workgroup_size(WG)
fn sim_init(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.x;
  for (var i = lid; i < run.n_nodes; i += WG) {
    let x = model_init();
    store_state(lane, i, x);
    let p = load_params(lane, i);
    var h = model_coupled(x, p);
    for (var k = 0u; k < N_COUPLINGS; k++) {
      for (var r = 0u; r < 2u * run.ring_len; r++) {
        ring[ring_index(lane, k, r, i)] = h[k];
      }
    }
  }
}

@compute @workgroup_size(WG)
fn sim_step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.x;
  let n = run.n_nodes;
  let R = run.ring_len;
  let edge_off = (n + 2u) & ~1u;
  let key = keys[lane];
  for (var s = 0u; s < run.n_steps; s++) {
    let step = run.first_step + s;
    let now = step % R;
    let next = select(now + 1u, 0u, now + 1u == R);
    let t = f32(step) * run.dt;
    let sample_here = ((step + 1u) % run.record_every) == 0u;
    let sample = (step + 1u) / run.record_every - 1u;
    let record_here = sample_here && sample >= run.chunk_start && sample < run.chunk_start + run.chunk_count;
    let sample_in_chunk = sample - run.chunk_start;
    let slow_here = run.slow_every > 0u && ((step + 1u) % run.slow_every) == 0u;
    for (var i = lid; i < n; i += WG) {
      var x = load_state(lane, i);
      let p = load_params(lane, i);
      // 1. coupling: c_k = Σ_j w_ij h_k,j(step − d_ij)
      var c = array<f32, N_COUPLINGS1>();
      var wsum = 0.0;
      let e_end = net[i + 1u];
      // Slot now + R − d of the mirrored ring: index base + (now + R)·N + (j − d·N).
      let row_base = ring_index(lane, 0u, now + R, 0u);
      let k_stride = 2u * R * n;
      for (var e = net[i]; e < e_end; e++) {
        let at = u32(i32(row_base) + bitcast<i32>(net[edge_off + 2u * e]));
        let w = bitcast<f32>(net[edge_off + 2u * e + 1u]);
        for (var k = 0u; k < N_COUPLINGS; k++) {
          c[k] += w * ring[at + k * k_stride];
        }
        wsum += w;
      }
/*@DIFFERENCE@*/
      // 2. noise: Philox normals of (seed, stream, node, step, channel)
      var z = array<f32, N_NOISE4>();
/*@NOISE@*/
      // 3.–4. integrate with coupling and noise held over the step, clamp to state limits
/*@INTEGRATE@*/
      store_state(lane, i, x);
      // 5. the new coupled values enter the ring for step + 1
      var h = model_coupled(x, p);
      for (var k = 0u; k < N_COUPLINGS; k++) {
        ring[ring_index(lane, k, next, i)] = h[k];
        ring[ring_index(lane, k, next + R, i)] = h[k];
      }
/*@OBSERVE@*/
    }
    storageBarrier();
    workgroupBarrier();
  }
}
