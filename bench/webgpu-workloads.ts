// The WebGPU benches' workloads (bench/webgpu.bench.ts, webgpu-lanes.bench.ts,
// webgpu-params.bench.ts, and bench/device.sh through the first) on the HCP Schaefer-100 group
// connectome (weights sc / (mean · 100) as cuBNM), dt 0.1 ms:
//   rww:  rWW + BOLD (cuBNM's headline workload), no delays, Euler, BOLD sampled every 1 s
//   hopf: SupHopf, delays = tract length / 6 mm/ms (up to 413 steps), Heun, x sampled every 10 ms
import { hcpSchaefer100Input } from "./native.ts";
import { withBold } from "../src/models/bold.ts";
import { supHopf } from "../src/models/hopf.ts";
import { rww } from "../src/models/rww.ts";
import type { ModelSpec } from "../src/models/spec.ts";
import { simulate, type SimulateOptions } from "../src/sim/simulate.ts";

export const WORKLOAD_DT = 0.1;

export interface WebGpuWorkload {
  key: "rww" | "hopf";
  label: string;
  model: ModelSpec;
  /** Conduction speed in mm/ms (Infinity: no delays). */
  speed: number;
  integrator: "euler" | "heun";
  params: Record<string, number>;
  record: SimulateOptions["record"];
}

export const WEBGPU_WORKLOADS: readonly WebGpuWorkload[] = [
  {
    key: "rww",
    label: "rWW+BOLD, no delays",
    model: withBold(rww, { params: "cubnm" }),
    speed: Infinity,
    integrator: "euler",
    params: { G: 0.5 },
    record: { observables: ["bold"], period: 1000 },
  },
  {
    key: "hopf",
    label: "SupHopf, delays",
    model: supHopf,
    speed: 6,
    integrator: "heun",
    params: { a: -0.02, G: 0.5, sigma: 0.02 },
    record: { observables: ["x"], period: 10 },
  },
];

export function workload(key: WebGpuWorkload["key"]): WebGpuWorkload {
  return WEBGPU_WORKLOADS.find((w) => w.key === key)!;
}

/** The workload's network (HCP-100 at its conduction speed). */
export function workloadNetwork(w: WebGpuWorkload): ReturnType<typeof hcpSchaefer100Input> {
  return hcpSchaefer100Input(w.speed);
}

/**
 * One simulate() call of `steps` steps of the workload, samples streamed and dropped; `params`
 * are added to (and override) the workload's.
 */
export function runWorkload(
  w: WebGpuWorkload,
  o: {
    network: ReturnType<typeof hcpSchaefer100Input>;
    lanes: number;
    steps: number;
    backend: "webgpu" | "wasm";
    noise: "independent" | "shared";
    params?: SimulateOptions["params"];
    webgpu?: SimulateOptions["webgpu"];
  },
): ReturnType<typeof simulate> {
  return simulate({
    model: w.model,
    network: o.network,
    lanes: o.lanes,
    duration: (o.steps * WORKLOAD_DT) / 1000,
    dt: WORKLOAD_DT,
    integrator: w.integrator,
    backend: o.backend,
    seed: 1,
    noise: o.noise,
    params: { ...w.params, ...o.params },
    record: w.record,
    keepRecorded: false,
    onChunk: () => {},
    webgpu: o.webgpu,
  });
}
