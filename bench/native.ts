// Native C yardstick for the SupHopf integrator (bench/native/hopf.c): compiles it with gcc,
// writes a network for it, runs it and reads its JSON. Benches import runNativeHopf() to
// quote their own speed as a fraction of native, measured in the same run on the same machine.
// Node only (child_process, fs): bench code, never part of the SDK.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseNpz } from "../src/io/npz.ts";
import { toFloat64 } from "../src/io/ndarray.ts";
import { buildNetwork, type Network, type NetworkInput, normalizeMean } from "../src/sim/network.ts";

const ROOT = process.cwd();
const NATIVE_DIR = join(ROOT, "bench", "native");
const SOURCE = join(NATIVE_DIR, "hopf.c");
const WORK_DIR = join(ROOT, "build", "native");

/** gcc flags: -fno-math-errno makes sqrtf one instruction, so the lane loops vectorise. */
export const NATIVE_CFLAGS = ["-O3", "-march=native", "-fno-math-errno"];

/** Lane-block widths built: LB=16 for batches (vectorised over lanes), LB=1 for batches < 8. */
export const LANE_BLOCKS = [1, 16] as const;

export interface NativeBinary {
  laneBlock: number;
  openmp: boolean;
  path: string;
}

/**
 * Compiles bench/native/hopf.c (when stale) into bench/native/hopf-lb{1,16}.bin and the
 * OpenMP builds hopf-lb{1,16}-omp.bin. OpenMP builds are skipped when gcc lacks -fopenmp.
 */
export function buildNativeBinaries(log: (s: string) => void = () => {}): NativeBinary[] {
  const out: NativeBinary[] = [];
  for (const laneBlock of LANE_BLOCKS) {
    for (const openmp of [false, true]) {
      const path = join(NATIVE_DIR, `hopf-lb${laneBlock}${openmp ? "-omp" : ""}.bin`);
      const flags = [...NATIVE_CFLAGS, `-DLB=${laneBlock}`, ...(openmp ? ["-fopenmp"] : [])];
      if (!existsSync(path) || statSync(path).mtimeMs < statSync(SOURCE).mtimeMs) {
        const args = [...flags, "-o", path, SOURCE, "-lm"];
        try {
          execFileSync("gcc", args, { stdio: ["ignore", "inherit", "inherit"] });
          log(`gcc ${args.join(" ").replaceAll(ROOT + "/", "")}`);
        } catch (e) {
          if (openmp) continue;
          throw e;
        }
      }
      out.push({ laneBlock, openmp, path });
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

let binaries: NativeBinary[] | null = null;
const written = new WeakMap<Network, string>();
let fileCounter = 0;

/** Runs the native integrator; resolves with its measured throughput. */
export async function runNativeHopf(opts: NativeHopfOptions): Promise<NativeHopfResult> {
  binaries ??= buildNativeBinaries();
  const threads = opts.threads ?? 1;
  const laneBlock = opts.lanes < 8 ? 1 : 16;
  const bin = binaries.find((b) => b.laneBlock === laneBlock && b.openmp === threads > 1)?.path;
  if (!bin) throw new Error("runNativeHopf: threads > 1 needs gcc with -fopenmp");
  let netFile = written.get(opts.network);
  if (!netFile) {
    netFile = join(WORK_DIR, `network-${process.pid}-${fileCounter++}.bin`);
    writeNetworkFile(opts.network, netFile);
    written.set(opts.network, netFile);
    const file = netFile;
    process.once("exit", () => {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    });
  }
  const p = opts.params ?? {};
  const args = [netFile, "--lanes", String(opts.lanes), "--steps", String(opts.steps), "--threads", String(threads),
    "--dt", String(opts.network.dt), "--seed", String(opts.seed ?? 0), "--noise", opts.noise ?? "independent"];
  for (const k of ["a", "omega", "G", "sigma"] as const) if (p[k] !== undefined) args.push(`--${k}`, String(p[k]));
  if (opts.dumpTo) args.push("--dump", opts.dumpTo);
  const stdout = await new Promise<string>((ok, fail) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, OMP_PROC_BIND: "close" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? ok(out) : fail(new Error(`${bin} exited with ${code}`))));
  });
  const parsed = JSON.parse(stdout.trim().split("\n").pop()!) as Omit<NativeHopfResult, "command">;
  const rel = (f: string) => f.replace(ROOT + "/", "");
  return { ...parsed, command: [rel(bin), rel(netFile), ...args.slice(1)].join(" ") };
}
