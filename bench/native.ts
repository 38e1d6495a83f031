// Native C yardsticks: the SupHopf integrator (bench/native/hopf.c) and the rWW + BOLD one
// (bench/native/rww.c), each the same algorithm and lane layout as the WASM kernel it is
// compared with. Compiles them with gcc, writes a network for them, runs them and reads their
// JSON. Benches import runNativeHopf() / runNativeRww() to quote their own speed as a fraction
// of native, measured in the same run on the same machine.
// Node only (child_process, fs): bench code, never part of the SDK.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseNpz } from "../src/io/npz.ts";
import { toFloat64 } from "../src/io/ndarray.ts";
import { buildNetwork, type Network, type NetworkInput, normalizeMean } from "../src/batch/network.ts";
import { LANE_COST_BY_WIDTH, planLaneGroups } from "../src/backends/wasm/driver.ts";

const ROOT = process.cwd();
const NATIVE_DIR = join(ROOT, "bench", "native");
export type NativeProgram = "hopf" | "rww";
const WORK_DIR = join(ROOT, "build", "native");

/** gcc flags: -fno-math-errno makes sqrtf one instruction, so the lane loops vectorise. */
export const NATIVE_CFLAGS = ["-O3", "-march=native", "-fno-math-errno"];

/** Lane-block widths built: 4 · the wasm kernel's widths 1, 2, 4 (vectorised over lanes), and 1 for one simulation. */
export const LANE_BLOCKS = [1, 4, 8, 16] as const;

/**
 * The lane block that matches the wasm driver's lane groups for this batch
 * (src/backends/wasm/driver.ts planLaneGroups): 4 · the width of its widest group (the C
 * program runs every block at one width; for the batches the benches time, 1, 8 and 64, the
 * driver's plan has one width too); 1 below 4 simulations (the wasm "nodes" layout; C's LB 1 is
 * scalar).
 */
export function nativeLaneBlock(lanes: number, threads: number, hasDelays: boolean): number {
  if (lanes < 4) return 1;
  const plan = planLaneGroups(lanes, threads, LANE_COST_BY_WIDTH[hasDelays ? "delays" : "noDelays"]);
  return 4 * Math.max(...plan.flat().map((seg) => seg.width));
}

export interface NativeBinary {
  program: NativeProgram;
  laneBlock: number;
  openmp: boolean;
  path: string;
}

/**
 * Compiles bench/native/PROGRAM.c (when it or common.h is newer) into
 * bench/native/PROGRAM-lb{1,4,8,16}.bin and the OpenMP builds PROGRAM-lb{1,4,8,16}-omp.bin. OpenMP builds
 * are skipped when gcc lacks -fopenmp.
 */
export function buildNativeBinaries(log: (s: string) => void = () => {}, program: NativeProgram = "hopf"): NativeBinary[] {
  const source = join(NATIVE_DIR, `${program}.c`);
  const newest = Math.max(statSync(source).mtimeMs, statSync(join(NATIVE_DIR, "common.h")).mtimeMs);
  const out: NativeBinary[] = [];
  for (const laneBlock of LANE_BLOCKS) {
    for (const openmp of [false, true]) {
      const path = join(NATIVE_DIR, `${program}-lb${laneBlock}${openmp ? "-omp" : ""}.bin`);
      const flags = [...NATIVE_CFLAGS, `-DLB=${laneBlock}`, ...(openmp ? ["-fopenmp"] : [])];
      if (!existsSync(path) || statSync(path).mtimeMs < newest) {
        const args = [...flags, "-o", path, source, "-lm"];
        try {
          execFileSync("gcc", args, { stdio: ["ignore", "inherit", "inherit"] });
          log(`gcc ${args.join(" ").replaceAll(ROOT + "/", "")}`);
        } catch (e) {
          if (openmp) continue;
          throw e;
        }
      }
      out.push({ program, laneBlock, openmp, path });
    }
  }
  return out;
}

/** arr_0 of a NumPy .npz as float64 (src/io's reader). */
function readNpzArr0(path: string): Float64Array {
  return toFloat64(parseNpz(new Uint8Array(readFileSync(path)), "arr_0")).data;
}

export const SHARED = process.env.BRAINFIT_SHARED ?? resolve(ROOT, "../shared");

/**
 * The HCP Schaefer-100 group connectome (cuBNM's group-train706): weights normalised as cuBNM
 * does (sc / (mean · 100)), delays from tract lengths at `speed` mm/ms, step dt ms.
 */
export function hcpSchaefer100Network(dt = 0.1, speed = 6): Network {
  return buildNetwork(hcpSchaefer100Input(speed), dt);
}

/** The same connectome as a NetworkInput (what simulate() takes). */
export function hcpSchaefer100Input(speed = 6): NetworkInput {
  const dir = join(SHARED, "data", "hcp-schaefer100", "group-train706");
  const weights = normalizeMean(readNpzArr0(join(dir, "sc_strength.npz")));
  const lengths = readNpzArr0(join(dir, "sc_length.npz"));
  return { weights, lengths, speed };
}

/** Serialises a CSR network in the layout hopf.c reads (see its header). */
export function writeNetworkFile(net: Network, path: string): void {
  const n = net.nNodes, nnz = net.source.length;
  const buf = new ArrayBuffer(8 + 4 * (n + 1) + 12 * nnz);
  const i32 = new Int32Array(buf);
  i32[0] = n;
  i32[1] = nnz;
  i32.set(net.rowStart, 2);
  i32.set(net.source, 3 + n);
  i32.set(net.delay, 3 + n + nnz);
  new Float32Array(buf, 4 * (3 + n + 2 * nnz), nnz).set(net.weight);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, new Uint8Array(buf));
}

export interface NativeHopfOptions {
  /** CSR network from buildNetwork (delays in steps of dt). */
  network: Network;
  lanes: number;
  steps: number;
  /** 1 → the serial build; more → the OpenMP build with that many threads. */
  threads?: number;
  /** SupHopf parameters (defaults as src/models/hopf.ts). */
  params?: { a?: number; omega?: number; G?: number; sigma?: number };
  seed?: number;
  /** "independent" (default): lane k draws stream k, as noise: "independent" does. */
  noise?: "independent" | "shared";
  /** Write the final x then y (float32, [lane][node]) to this file. */
  dumpTo?: string;
}

export interface NativeHopfResult {
  nodeStepsPerSecond: number;
  seconds: number;
  /** CPU time of the process (all threads): on a loaded machine wall time overstates. */
  cpuSeconds: number;
  lanes: number;
  /** Lanes actually computed (rounded up to the lane block). */
  computedLanes: number;
  nodes: number;
  nnz: number;
  maxDelay: number;
  steps: number;
  threads: number;
  laneBlock: number;
  meanR2: number;
  /** The command that ran, for the record. */
  command: string;
}

const binaries = new Map<NativeProgram, NativeBinary[]>();
const written = new WeakMap<Network, string>();
let fileCounter = 0;

/** The network file for `network`, written once per process (removed at exit). */
function networkFile(network: Network): string {
  let netFile = written.get(network);
  if (!netFile) {
    netFile = join(WORK_DIR, `network-${process.pid}-${fileCounter++}.bin`);
    writeNetworkFile(network, netFile);
    written.set(network, netFile);
    const file = netFile;
    process.once("exit", () => {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    });
  }
  return netFile;
}

/** Runs one native program (the lane block of nativeLaneBlock; OpenMP when threads > 1) and parses its JSON line. */
async function runNative<T>(
  program: NativeProgram,
  network: Network,
  lanes: number,
  threads: number,
  args: string[],
): Promise<T & { command: string }> {
  if (!binaries.has(program)) binaries.set(program, buildNativeBinaries(() => {}, program));
  const laneBlock = nativeLaneBlock(lanes, threads, network.maxDelay > 0);
  const bin = binaries.get(program)!.find((b) => b.laneBlock === laneBlock && b.openmp === threads > 1)?.path;
  if (!bin) throw new Error(`native ${program}: threads > 1 needs gcc with -fopenmp`);
  const netFile = networkFile(network);
  const all = [netFile, "--lanes", String(lanes), "--threads", String(threads), ...args];
  const stdout = await new Promise<string>((ok, fail) => {
    const child = spawn(bin, all, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, OMP_PROC_BIND: "close" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? ok(out) : fail(new Error(`${bin} exited with ${code}`))));
  });
  const parsed = JSON.parse(stdout.trim().split("\n").pop()!) as T;
  const rel = (f: string) => f.replace(ROOT + "/", "");
  return { ...parsed, command: [rel(bin), rel(netFile), ...all.slice(1)].join(" ") };
}

/** Runs the native SupHopf integrator; resolves with its measured throughput. */
export async function runNativeHopf(opts: NativeHopfOptions): Promise<NativeHopfResult> {
  const p = opts.params ?? {};
  const args = [
    "--steps",
    String(opts.steps),
    "--dt",
    String(opts.network.dt),
    "--seed",
    String(opts.seed ?? 0),
    "--noise",
    opts.noise ?? "independent",
  ];
  for (const k of ["a", "omega", "G", "sigma"] as const) if (p[k] !== undefined) args.push(`--${k}`, String(p[k]));
  if (opts.dumpTo) args.push("--dump", opts.dumpTo);
  return runNative<Omit<NativeHopfResult, "command">>("hopf", opts.network, opts.lanes, opts.threads ?? 1, args);
}

export interface NativeRwwOptions {
  /** CSR network from buildNetwork at dt 0.1 ms (the program's dt). */
  network: Network;
  lanes: number;
  steps: number;
  threads?: number;
  G?: number;
  sigma?: number;
  seed?: number;
  /** "shared" (default, as simulate()): every lane draws stream 0; "independent": lane k draws stream k. */
  noise?: "independent" | "shared";
  /** FIC's wIE per node (default 1 everywhere). */
  wIE?: ArrayLike<number>;
}

export interface NativeRwwResult {
  nodeStepsPerSecond: number;
  seconds: number;
  cpuSeconds: number;
  lanes: number;
  computedLanes: number;
  threads: number;
  laneBlock: number;
  command: string;
}

/** Runs the native rWW + BOLD integrator (bench/native/rww.c). */
export async function runNativeRww(opts: NativeRwwOptions): Promise<NativeRwwResult> {
  if (Math.abs(opts.network.dt - 0.1) > 1e-12) {
    throw new Error("runNativeRww: rww.c integrates at dt 0.1 ms (BOLD every 10 steps); build the network at dt 0.1");
  }
  const args = [
    "--steps",
    String(opts.steps),
    "--G",
    String(opts.G ?? 0.5),
    "--sigma",
    String(opts.sigma ?? 0.01),
    "--seed",
    String(opts.seed ?? 1),
    "--noise",
    opts.noise ?? "shared",
  ];
  if (opts.wIE) {
    const file = join(WORK_DIR, `wie-${process.pid}.bin`);
    mkdirSync(WORK_DIR, { recursive: true });
    writeFileSync(file, new Uint8Array(Float32Array.from(opts.wIE).buffer));
    args.push("--wie", file);
  }
  return runNative<Omit<NativeRwwResult, "command">>("rww", opts.network, opts.lanes, opts.threads ?? 1, args);
}
