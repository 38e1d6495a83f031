/// <reference types="@webgpu/types" />
// Reverse-mode gradients of a simulation on WebGPU (f32), with the semantics of simulateGradient
// (grad/backward.ts): the same checkpointing every K steps, the same loss interface, the same
// GradientResult. Lanes run in parallel within a lane group (as many lanes as the adapter's
// buffer limits hold, by default all) and groups one after another. Kernels: grad/wgsl.ts.
// Per group, on the device:
//   1. forward from the initial state, copying state + delay ring into a checkpoint buffer every
//      K steps (all checkpoints stay in GPU storage) and recording the observables;
//   2. (host) the recording is read back as float64, the loss gives its gradient, uploaded in
//      the recording's place;
//   3. backward, segment by segment from the last: restore the checkpoint, recompute the K steps
//      writing the tape, run the step adjoint backwards over them. Parameter adjoints are summed
//      in f32 per block of GRAD_BLOCK steps (each block its own slot in gpart) and the blocks
//      are added in float64 on the host after each segment: a 600 000-step run adds 600 000
//      contributions per parameter, which one f32 sum would round away (relative error up to
//      steps · 2^-24); blocks bound the f32 part to GRAD_BLOCK · 2^-24 ≈ 1.5e-5 worst case, with
//      no compensated arithmetic that a shader compiler could reassociate away (Kahan);
//   4. the initial history's adjoint (aH0) is read back and mapped to parameters in float64
//      by initialHistoryGrad, as the reference does.
import type { PreparedSimulation } from "../batch/prepare.ts";
import { getGpuContext } from "../backends/webgpu/gpu.ts";
import { computePipelines } from "../backends/webgpu/pipelines.ts";
import {
  type BackwardOptions,
  type BatchLoss,
  checkLossGrad,
  checkpointSizes,
  type GradientResult,
  initialHistoryGrad,
  type LaneLoss,
  type LaneRecording,
} from "./backward.ts";
import { generateGradientKernel, GRAD_RUN_UNIFORM_BYTES } from "./wgsl.ts";

/** Steps whose parameter adjoints are summed in f32 before the float64 sum (see the header). */
const GRAD_BLOCK = 256;
/** Node-steps per dispatch (short dispatches: GPU watchdogs). */
const NODE_STEPS_PER_DISPATCH = 1 << 22;
const UNIFORM_SLOTS = 32;
const UNIFORM_STRIDE = 256;
const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 } as const;
const MAP_MODE_READ = 1;

export interface WebGpuBackwardOptions extends BackwardOptions {
  /**
   * Workgroup shape and lane groups (gradients are the same bits whatever they are). Lanes run
   * in groups of lanesPerGroup (default: as many as the adapter's buffer limits hold), one
   * after another, as the reference runs lanes one after another.
   */
  webgpu?: { lanesPerWorkgroup?: number; nodeSlices?: number; lanesPerGroup?: number };
}

/** Fields of the GradRun uniform (grad/wgsl.ts), in order. */
const RUN_FIELDS = [
  "n_nodes",
  "ring_len",
  "lane_count",
  "first_step",
  "n_steps",
  "record_every",
  "n_samples",
  "slow_every",
  "tape_on",
  "record_on",
  "tape_first",
  "total_steps",
  "max_delay",
  "block",
  "ring_off",
  "out_off",
  "wsum_off",
  "keys_off",
  "acs_off",
  "ahs_off",
  "h0_off",
  "edge_off",
] as const;
type RunFields = Record<(typeof RUN_FIELDS)[number], number>;

/**
 * The network for the gradient kernels (u32 words): in-edge CSR rows and (source − delay·n,
 * delay, weight bits) per edge; the transpose (out-edges of each source: target + delay·n,
 * delay, weight bits) for the
 * gather form of the coupling adjoint; row weight sums in f32 (added in edge order, as the
 * forward kernel adds them); (seed, stream) of the lane group's lanes first … first + count − 1, padded to
 * `width` with its first lane.
 */
function packGradNetwork(sim: PreparedSimulation, first: number, count: number, width: number) {
  const net = sim.network;
  const n = sim.nNodes, E = net.source.length;
  const edgeOff = n + 1;
  const outOff = edgeOff + 3 * E;
  const wsumOff = outOff + n + 1 + 3 * E;
  const keysOff = wsumOff + n;
  const words = new Uint32Array(keysOff + 2 * width);
  const f32 = new Float32Array(words.buffer);
  const w32 = new Float32Array(1);
  words.set(net.rowStart, 0);
  for (let e = 0; e < E; e++) {
    words[edgeOff + 3 * e] = (net.source[e]! - net.delay[e]! * n) >>> 0;
    words[edgeOff + 3 * e + 1] = net.delay[e]!;
    f32[edgeOff + 3 * e + 2] = net.weight[e]!;
  }
  // Transpose: count out-edges per source, then place them in edge order.
  const outStart = new Uint32Array(n + 1);
  for (let e = 0; e < E; e++) outStart[net.source[e]! + 1]!++;
  for (let j = 0; j < n; j++) outStart[j + 1] += outStart[j]!;
  words.set(outStart, outOff);
  const fill = outStart.slice(0, n);
  const outEdges = outOff + n + 1;
  for (let i = 0; i < n; i++) {
    for (let e = net.rowStart[i]!; e < net.rowStart[i + 1]!; e++) {
      const at = outEdges + 3 * fill[net.source[e]!]!++;
      words[at] = i + net.delay[e]! * n;
      words[at + 1] = net.delay[e]!;
      f32[at + 2] = net.weight[e]!;
    }
  }
  for (let i = 0; i < n; i++) {
    w32[0] = 0;
    for (let e = net.rowStart[i]!; e < net.rowStart[i + 1]!; e++) w32[0] = w32[0]! + Math.fround(net.weight[e]!);
    f32[wsumOff + i] = w32[0]!;
  }
  for (let l = 0; l < width; l++) {
    const lane = first + (l < count ? l : 0);
    words[keysOff + 2 * l] = sim.seeds[lane]!;
    words[keysOff + 2 * l + 1] = sim.streams[lane]!;
  }
  return { words, edgeOff, outOff, wsumOff, keysOff };
}

/** One lane group's own buffers: its lanes' parameters, keys (in the network words), recording, checkpoints. */
interface LaneGroup {
  first: number;
  count: number;
  /** count padded to whole workgroups. */
  width: number;
  packed: ReturnType<typeof packGradNetwork>;
  rec: GPUBuffer;
  ck: GPUBuffer;
  bindGroups: GPUBindGroup[];
}

/**
 * Loss and parameter gradient of every lane of a prepared simulation on WebGPU (f32 on the
 * device, float64 on the host for the recording, the loss, the per-segment parameter sums and
 * the initial history). The same result as simulateGradient (grad/backward.ts) within f32
 * rounding. Lanes run in parallel within a lane group and groups one after another (a
 * BatchLoss holds every group's checkpoints until the backward pass, as the reference holds
 * every lane's); peakBytes counts the GPU buffers held.
 */
export async function simulateGradientWebGPU(
  sim: PreparedSimulation,
  loss: LaneLoss | BatchLoss,
  options: WebGpuBackwardOptions = {},
): Promise<GradientResult> {
  const { device, description } = await getGpuContext();
  const m = sim.model;
  const { lanes, nNodes: n, nParams: P, nSteps, network: net } = sim;
  const S = m.stateNames.length, Kc = m.coupling.length, K1 = Math.max(Kc, 1);
  const R = net.maxDelay + 2;
  const nRec = sim.recordIdx.length;
  const software = description.isFallback;
  const knobs = options.webgpu ?? {};
  const positive = (v: number | undefined, name: string) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new Error(`gradient (webgpu): webgpu.${name} must be a positive integer, got ${v}`);
    }
    return v;
  };
  const LW = positive(knobs.lanesPerWorkgroup, "lanesPerWorkgroup") ?? Math.min(software ? 8 : 32, lanes);
  const NS = positive(knobs.nodeSlices, "nodeSlices") ?? (software ? 1 : Math.min(8, n));
  const kernel = generateGradientKernel(m, { integrator: sim.integrator, recordIdx: sim.recordIdx, lanesPerWorkgroup: LW, nodeSlices: NS });
  const F = kernel.tapeFields;
  const batched = typeof loss !== "function";
  const initialHistory = initialHistoryGrad(sim, options.evaluator);
  const maxBinding = device.limits.maxStorageBufferBindingSize;
  const maxBuffer = device.limits.maxBufferSize;

  // Checkpoint interval: the reference's (default √(steps · checkpoint / tape step)), shortened
  // when the tape of one workgroup's lanes would not fit one storage binding.
  const sizes = checkpointSizes(sim);
  const tapeLaneStep = n * F * 4;
  let K = options.checkpointEvery ?? sizes.defaultK;
  if (!(Number.isInteger(K) && K >= 1)) throw new Error(`gradient: checkpointEvery must be an integer >= 1, got ${K}`);
  if (Math.min(K, nSteps) * tapeLaneStep * LW > maxBinding) {
    const most = Math.floor(maxBinding / (tapeLaneStep * LW));
    if (options.checkpointEvery !== undefined) {
      throw new Error(
        `gradient (webgpu): a tape of checkpointEvery = ${K} steps for ${LW} lanes needs ${K * tapeLaneStep * LW} bytes, more than this ` +
          `adapter's maxStorageBufferBindingSize (${maxBinding}); use checkpointEvery <= ${most}`,
      );
    }
    K = Math.max(1, most);
  }
  const nCkpt = Math.ceil(nSteps / K);
  const tapeSteps = Math.min(K, nSteps);
  const nBlocks = Math.ceil(tapeSteps / GRAD_BLOCK);

  // Per lane, in f32 words: what must fit one storage binding, and one group's checkpoints one buffer.
  const simLane = n * S + K1 * R * n;
  const adjLane = simLane + 2 * K1 * n;
  const recLane = nRec * sim.nSamples * n;
  const bindingLane = 4 * Math.max(simLane, adjLane, recLane, tapeSteps * n * F);
  const ckLane = 4 * nCkpt * simLane;
  const fit = Math.min(Math.floor(maxBinding / bindingLane), Math.floor(maxBuffer / ckLane));
  if (fit < LW) {
    const what = Math.floor(maxBuffer / ckLane) < LW
      ? `checkpoints ${ckLane} bytes (use a larger checkpointEvery)`
      : `${bindingLane} bytes in one binding`;
    throw new Error(
      `gradient (webgpu): ${LW} lanes (one workgroup) do not fit this adapter's buffers: per lane ${what}; ` +
        `maxStorageBufferBindingSize ${maxBinding}, maxBufferSize ${maxBuffer}; use fewer nodes, recorded samples or lanesPerWorkgroup, or backend "reference"`,
    );
  }
  const lanesPerGroup = Math.min(lanes, positive(knobs.lanesPerGroup, "lanesPerGroup") ?? Infinity, Math.floor(fit / LW) * LW);
  const W = Math.ceil(lanesPerGroup / LW) * LW; // the widest group
  if (W > fit) {
    throw new Error(
      `gradient (webgpu): webgpu.lanesPerGroup = ${lanesPerGroup} does not fit this adapter's buffers (at most ${
        Math.floor(fit / LW) * LW
      })`,
    );
  }

  const compiled = await computePipelines(
    device,
    kernel.source,
    `gradient WGSL for ${m.name}`,
    ["uniform", "storage", "read-only-storage", "read-only-storage", "storage", "storage", "storage", "storage"],
    ["fwd_init", "fwd_step", "bwd_step", "bwd_h0"],
  );
  const p = compiled.pipelines;
  const pipelines = { layout: compiled.layout, fwdInit: p.fwd_init, fwdStep: p.fwd_step, bwdStep: p.bwd_step, bwdH0: p.bwd_h0 };
  const buffers: GPUBuffer[] = [];
  let peakBytes = 0;
  const makeBuffer = (bytes: number, usage: number, label: string) => {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const b = device.createBuffer({ size, usage, label });
    buffers.push(b);
    peakBytes += size;
    return b;
  };
  const { STORAGE, COPY_DST, COPY_SRC, MAP_READ } = USAGE;
  // Device errors (validation, out of memory) surface here instead of as silent garbage.
  device.pushErrorScope("out-of-memory");
  device.pushErrorScope("validation");
  let scopes = 2;
  const popScopes = async () => {
    let first: GPUError | null = null;
    for (; scopes > 0; scopes--) first = (await device.popErrorScope()) ?? first;
    return first;
  };
  try {
    // Shared by the groups, which use them one after another (a narrower group uses a prefix:
    // every layout is in units of the group's own width, run.lane_count).
    const simBuf = makeBuffer(W * simLane * 4, STORAGE | COPY_SRC | COPY_DST, "gradient state and ring");
    const tapeBuf = makeBuffer(W * tapeSteps * n * F * 4, STORAGE, "gradient tape");
    const adjBuf = makeBuffer(W * adjLane * 4, STORAGE | COPY_SRC | COPY_DST, "gradient adjoints");
    const gpartWords = nBlocks * n * Math.max(P, 1) * W;
    const gpartBuf = makeBuffer(gpartWords * 4, STORAGE | COPY_SRC | COPY_DST, "gradient parameter sums");
    const gpartStaging = [0, 1].map(() => makeBuffer(gpartWords * 4, MAP_READ | COPY_DST, "gradient parameter sums read-back"));
    const recStaging = makeBuffer(W * recLane * 4, MAP_READ | COPY_DST, "gradient recording read-back");
    const h0Staging = makeBuffer(W * K1 * n * 4, MAP_READ | COPY_DST, "gradient initial-history read-back");
    const uniforms = makeBuffer(UNIFORM_SLOTS * UNIFORM_STRIDE, USAGE.UNIFORM | COPY_DST, "gradient uniforms");
    const sharedCk = batched ? null : makeBuffer(W * ckLane, COPY_SRC | COPY_DST, "gradient checkpoints");

    const groups: LaneGroup[] = [];
    for (let first = 0; first < lanes; first += lanesPerGroup) {
      const count = Math.min(lanesPerGroup, lanes - first);
      const width = Math.ceil(count / LW) * LW;
      const packed = packGradNetwork(sim, first, count, width);
      const netBuf = makeBuffer(packed.words.byteLength, STORAGE | COPY_DST, "gradient network");
      device.queue.writeBuffer(netBuf, 0, packed.words);
      // [lane][node][param] → [node][param][lane]; padding lanes repeat the group's first lane.
      const paramBuf = makeBuffer(width * n * P * 4, STORAGE | COPY_DST, "gradient params");
      const pT = new Float32Array(width * n * P);
      for (let l = 0; l < width; l++) {
        const src = (first + (l < count ? l : 0)) * n * P;
        for (let q = 0; q < n * P; q++) pT[q * width + l] = sim.params[src + q]!;
      }
      device.queue.writeBuffer(paramBuf, 0, pT);
      const rec = makeBuffer(width * recLane * 4, STORAGE | COPY_SRC | COPY_DST, "gradient recording");
      const ck = sharedCk ?? makeBuffer(width * ckLane, COPY_SRC | COPY_DST, "gradient checkpoints");
      const bindGroups = Array.from({ length: UNIFORM_SLOTS }, (_, slot) =>
        device.createBindGroup({
          layout: pipelines.layout,
          entries: [
            { binding: 0, resource: { buffer: uniforms, offset: slot * UNIFORM_STRIDE, size: GRAD_RUN_UNIFORM_BYTES } },
            { binding: 1, resource: { buffer: simBuf } },
            { binding: 2, resource: { buffer: paramBuf } },
            { binding: 3, resource: { buffer: netBuf } },
            { binding: 4, resource: { buffer: rec } },
            { binding: 5, resource: { buffer: tapeBuf } },
            { binding: 6, resource: { buffer: adjBuf } },
            { binding: 7, resource: { buffer: gpartBuf } },
          ],
        }));
      groups.push({ first, count, width, packed, rec, ck, bindGroups });
    }

    // Word offsets of a group's layouts (in units of its width).
    const layout = (g: LaneGroup) => {
      const w = g.width;
      const stateWords = w * n * S;
      const simWords = w * simLane;
      const ahsOff = stateWords + w * K1 * R * n;
      const h0Off = ahsOff + w * K1 * n;
      return {
        stateWords,
        simWords,
        acsOff: stateWords,
        ahsOff,
        h0Off,
        recWords: w * recLane,
        gpartWords: nBlocks * n * Math.max(P, 1) * w,
      };
    };
    const baseFields = (g: LaneGroup): RunFields => {
      const o = layout(g);
      return {
        n_nodes: n,
        ring_len: R,
        lane_count: g.width,
        first_step: 0,
        n_steps: 0,
        record_every: sim.recordEvery,
        n_samples: sim.nSamples,
        slow_every: sim.slowEvery,
        tape_on: 0,
        record_on: 0,
        tape_first: 0,
        total_steps: nSteps,
        max_delay: net.maxDelay,
        block: 0,
        ring_off: o.stateWords,
        out_off: g.packed.outOff,
        wsum_off: g.packed.wsumOff,
        keys_off: g.packed.keysOff,
        acs_off: o.acsOff,
        ahs_off: o.ahsOff,
        h0_off: o.h0Off,
        edge_off: g.packed.edgeOff,
      };
    };

    // Commands are gathered in one encoder, each dispatch with its own uniform slot; the slots'
    // contents are written just before the encoder is submitted (queue order keeps earlier
    // submits reading the earlier contents).
    const runWords = new ArrayBuffer(UNIFORM_SLOTS * UNIFORM_STRIDE);
    let enc: GPUCommandEncoder | null = null;
    let used = 0;
    const flush = () => {
      if (!enc) return;
      if (used) device.queue.writeBuffer(uniforms, 0, runWords, 0, used * UNIFORM_STRIDE);
      device.queue.submit([enc.finish()]);
      enc = null;
      used = 0;
    };
    const encoder = () => (enc ??= device.createCommandEncoder());
    const dispatch = (g: LaneGroup, pipeline: GPUComputePipeline, fields: Partial<RunFields>) => {
      if (used === UNIFORM_SLOTS) flush();
      const u = new Uint32Array(runWords, used * UNIFORM_STRIDE, GRAD_RUN_UNIFORM_BYTES / 4);
      const f = new Float32Array(runWords, used * UNIFORM_STRIDE, GRAD_RUN_UNIFORM_BYTES / 4);
      const all = { ...baseFields(g), ...fields };
      RUN_FIELDS.forEach((name, k) => (u[k] = all[name]));
      f[24] = sim.dt;
      f[25] = Math.sqrt(sim.dt);
      f[26] = 0.5 * sim.dt;
      f[27] = sim.slowDt;
      const pass = encoder().beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, g.bindGroups[used]!);
      pass.dispatchWorkgroups(g.width / LW);
      pass.end();
      used++;
    };
    const stepsPerDispatch = (g: LaneGroup) => Math.max(1, Math.floor(NODE_STEPS_PER_DISPATCH / (g.width * n)));
    const forward = (g: LaneGroup, from: number, to: number, fields: Partial<RunFields>) => {
      const per = stepsPerDispatch(g);
      for (let s = from; s < to; s += per) dispatch(g, pipelines.fwdStep, { ...fields, first_step: s, n_steps: Math.min(per, to - s) });
    };
    const readBack = async (staging: GPUBuffer, bytes: number): Promise<Float32Array> => {
      await staging.mapAsync(MAP_MODE_READ, 0, bytes);
      const data = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
      staging.unmap();
      return data;
    };
    const recNames = sim.recordIdx.map((k) => m.observables[k]!);
    const recorded: LaneRecording[] = Array.from({ length: lanes }, () => ({}));
    const paramGrad = new Float64Array(lanes * n * P);
    let forwardMs = 0, backwardMs = 0;

    // 1. Forward of a group, checkpointing state + ring every K steps, recording (float64 on the host).
    const forwardGroup = async (g: LaneGroup) => {
      const t = performance.now();
      const o = layout(g);
      dispatch(g, pipelines.fwdInit, {});
      for (let ck = 0; ck < nCkpt; ck++) {
        encoder().copyBufferToBuffer(simBuf, 0, g.ck, ck * o.simWords * 4, o.simWords * 4);
        forward(g, ck * K, Math.min(nSteps, (ck + 1) * K), { record_on: 1 });
      }
      if (o.recWords) encoder().copyBufferToBuffer(g.rec, 0, recStaging, 0, o.recWords * 4);
      flush();
      if (o.recWords) {
        const all = await readBack(recStaging, o.recWords * 4);
        const per = sim.nSamples * n;
        recNames.forEach((name, r) => {
          for (let l = 0; l < g.count; l++) {
            const out = new Float64Array(per);
            for (let q = 0; q < per; q++) out[q] = all[(r * per + q) * g.width + l]!;
            recorded[g.first + l]![name] = out;
          }
        });
      } else await device.queue.onSubmittedWorkDone();
      forwardMs += performance.now() - t;
    };

    // 3. Backward of a group, given its lanes' loss gradients: uploaded in the recording's place,
    // then segment by segment; each segment's f32 block sums are read back (one segment behind,
    // so the device works while the host adds) and added in float64; then the initial history.
    const backwardGroup = async (g: LaneGroup, grads: LaneRecording[]) => {
      const t = performance.now();
      const o = layout(g);
      if (o.recWords) {
        const gRec = new Float32Array(o.recWords);
        const per = sim.nSamples * n;
        recNames.forEach((name, r) => {
          for (let l = 0; l < g.count; l++) {
            const grad = grads[g.first + l]![name]!;
            for (let q = 0; q < per; q++) gRec[(r * per + q) * g.width + l] = grad[q]!;
          }
        });
        device.queue.writeBuffer(g.rec, 0, gRec);
      }
      const addSums = async (staging: GPUBuffer) => {
        const part = await readBack(staging, o.gpartWords * 4);
        for (let b = 0; b < nBlocks; b++) {
          for (let i = 0; i < n; i++) {
            for (let q = 0; q < P; q++) {
              const at = ((b * n + i) * P + q) * g.width;
              for (let l = 0; l < g.count; l++) paramGrad[((g.first + l) * n + i) * P + q] += part[at + l]!;
            }
          }
        }
      };
      encoder().clearBuffer(adjBuf);
      let pending: Promise<void> | null = null;
      for (let ck = nCkpt - 1; ck >= 0; ck--) {
        const from = ck * K, to = Math.min(nSteps, from + K);
        const e = encoder();
        e.copyBufferToBuffer(g.ck, ck * o.simWords * 4, simBuf, 0, o.simWords * 4);
        e.clearBuffer(gpartBuf);
        forward(g, from, to, { tape_on: 1, tape_first: from });
        for (let top = to - 1, b = 0; top >= from; top -= GRAD_BLOCK, b++) {
          dispatch(g, pipelines.bwdStep, { first_step: top, n_steps: Math.min(GRAD_BLOCK, top - from + 1), tape_first: from, block: b });
        }
        const staging = gpartStaging[ck % 2]!;
        encoder().copyBufferToBuffer(gpartBuf, 0, staging, 0, o.gpartWords * 4);
        flush();
        if (pending) await pending;
        pending = addSums(staging);
      }
      if (pending) await pending;
      // Step 0's reads of the initial history, then h(x_init, p)'s adjoint in float64.
      dispatch(g, pipelines.bwdH0, {});
      const h0Words = g.width * K1 * n;
      encoder().copyBufferToBuffer(adjBuf, o.h0Off * 4, h0Staging, 0, h0Words * 4);
      flush();
      const h0 = await readBack(h0Staging, h0Words * 4);
      const aH0 = new Float64Array(n * Kc);
      for (let l = 0; l < g.count; l++) {
        const lane = g.first + l;
        for (let i = 0; i < n; i++) for (let k = 0; k < Kc; k++) aH0[i * Kc + k] = h0[(k * n + i) * g.width + l]!;
        initialHistory(lane, aH0, paramGrad.subarray(lane * n * P, (lane + 1) * n * P));
      }
      backwardMs += performance.now() - t;
    };

    // 2. The loss: per lane after its group's forward (LaneLoss), or of every lane (BatchLoss).
    let values: Float64Array = new Float64Array(lanes);
    if (!batched) {
      for (const g of groups) {
        await forwardGroup(g);
        const grads: LaneRecording[] = [];
        for (let l = g.first; l < g.first + g.count; l++) {
          const r = (loss as LaneLoss)(l, recorded[l]!);
          checkLossGrad(sim, r.grad);
          values[l] = r.value;
          grads[l] = r.grad;
        }
        await backwardGroup(g, grads);
      }
    } else {
      for (const g of groups) await forwardGroup(g);
      const r = (loss as BatchLoss).batch(recorded);
      if (r.grads.length !== lanes) {
        throw new Error(`gradient: the batch loss must return one gradient per lane (${lanes}), got ${r.grads.length}`);
      }
      for (const grad of r.grads) checkLossGrad(sim, grad);
      values = r.values;
      for (const g of groups) await backwardGroup(g, r.grads);
    }
    const err = await popScopes();
    if (err) throw new Error(`gradient (webgpu): the device reported an error: ${err.message}`);
    return { values, paramGrad, recorded, checkpointEvery: K, peakBytes, forwardMs, backwardMs };
  } finally {
    await popScopes();
    for (const b of buffers) b.destroy();
  }
}
