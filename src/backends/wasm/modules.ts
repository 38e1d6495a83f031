// Where the WASM backend's kernel modules come from, in this order:
//   1. modules the host gave with provideWasmModules(): precompiled `WebAssembly.Module`s from
//      bundle-time `.wasm` imports. Edge runtimes (Cloudflare workerd, Vercel Edge) allow only
//      these: compiling WebAssembly from bytes is disallowed by the embedder there.
//   2. the built-in models' kernels, shipped as files in dist/wasm/ (scripts/gen-kernels.ts),
//      read from disk (file: URLs) or fetched beside the bundle, and compiled here;
//   3. a user's model, compiled now with AssemblyScript (the caller's compileNow).
// Every kernel file carries its kernel key (kernelKey of the exact AssemblyScript source) in a
// custom section, so a module is matched to the source it was built from, whatever its file
// name, and a stale module (an older build of a changed model) is never used by mistake.
import { WASM_KERNEL_FILES } from "../../generated/wasm-kernels.ts";

/** Name of the custom section holding a kernel module's key (UTF-8). */
export const KERNEL_KEY_SECTION = "brainfit.kernel";

const provided = new Map<string, WebAssembly.Module>();

/**
 * Give the WASM backend precompiled kernel modules: what a worker bundle imports from
 * `brainfit/wasm/*.wasm` (built-in models) or from the folder `brainfit compile` wrote (user
 * models). Needed where the runtime forbids compiling WebAssembly (Cloudflare Workers, workerd,
 * Vercel Edge); elsewhere it just skips a compile. Returns the kernel keys registered.
 *
 * @example
 * ```ts
 * import rww from "brainfit/wasm/rWW.w1.simd.wasm"; // a WebAssembly.Module in workerd
 * import { provideWasmModules } from "brainfit/sim";
 * provideWasmModules([rww]);
 * ```
 */
export function provideWasmModules(modules: Iterable<WebAssembly.Module> | Record<string, WebAssembly.Module>): string[] {
  const list = Symbol.iterator in modules ? [...(modules as Iterable<WebAssembly.Module>)] : Object.values(modules);
  const keys: string[] = [];
  list.forEach((m, i) => {
    if (!(m instanceof WebAssembly.Module)) {
      throw new TypeError(
        `provideWasmModules: item ${i} is ${m === null ? "null" : typeof m}, not a WebAssembly.Module; ` +
          "import the .wasm files so the bundler or runtime hands over compiled modules (workerd: a `wasm` module; esbuild: mark *.wasm external)",
      );
    }
    const sections = WebAssembly.Module.customSections(m, KERNEL_KEY_SECTION);
    if (sections.length === 0) {
      throw new Error(
        `provideWasmModules: module ${i} has no '${KERNEL_KEY_SECTION}' section, so it is not a brainfit kernel (use the files in dist/wasm/ or those written by \`brainfit compile\`)`,
      );
    }
    const key = new TextDecoder().decode(sections[0]);
    provided.set(key, m);
    keys.push(key);
  });
  return keys;
}

/** Number of kernel modules given with provideWasmModules. */
export function providedWasmModuleCount(): number {
  return provided.size;
}

// The smallest valid module: (module)
const EMPTY_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
let compileAllowed: boolean | undefined;

/** Whether this runtime compiles WebAssembly from bytes (false in workerd / Cloudflare Workers). */
export function canCompileWasm(): boolean {
  if (compileAllowed === undefined) {
    try {
      new WebAssembly.Module(EMPTY_MODULE);
      compileAllowed = true;
    } catch {
      compileAllowed = false;
    }
  }
  return compileAllowed;
}

// (module (func (result v128) v128.const i32x4 0 0 0 0))
const SIMD_PROBE = new Uint8Array([
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0,
  1,
  5,
  1,
  96,
  0,
  1,
  123,
  3,
  2,
  1,
  0,
  10,
  22,
  1,
  20,
  0,
  253,
  12,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  11,
]);

// (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const RELAXED_SIMD_PROBE = new Uint8Array([
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0,
  1,
  8,
  1,
  96,
  3,
  123,
  123,
  123,
  1,
  123,
  3,
  2,
  1,
  0,
  10,
  13,
  1,
  11,
  0,
  32,
  0,
  32,
  1,
  32,
  2,
  253,
  133,
  2,
  11,
]);

/** Relaxed SIMD (fused multiply-add): Deno, Bun and current browsers; not Node 20. */
export function hasRelaxedSimd(): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

export function hasWasmSimd(): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

let kernelBase: URL | undefined;

/**
 * Where the built-in kernel files are fetched from when no module was provided: by default
 * $BRAINFIT_WASM_DIR if set, else `dist/wasm/` of this package (beside the bundle, or found from
 * the source tree). Set it when your app bundles brainfit and serves the `.wasm` files elsewhere.
 *
 * @example
 * ```ts
 * import { setWasmKernelBaseUrl } from "brainfit/sim";
 * setWasmKernelBaseUrl(new URL("/assets/brainfit-wasm/", location.href));
 * ```
 */
export function setWasmKernelBaseUrl(url: URL | string): void {
  kernelBase = new URL(url.toString().endsWith("/") ? url.toString() : `${url}/`);
}

/** $BRAINFIT_WASM_DIR (a folder path or URL), where the runtime exposes environment variables. */
function envKernelDir(): URL | undefined {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env?: { get(k: string): string | undefined } };
  };
  let v: string | undefined;
  try {
    v = g.process?.env?.["BRAINFIT_WASM_DIR"] ?? g.Deno?.env?.get("BRAINFIT_WASM_DIR");
  } catch {
    return undefined; // Deno without --allow-env
  }
  if (!v) return undefined;
  const dir = v.endsWith("/") ? v : `${v}/`;
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(dir) && !/^[A-Za-z]:[\\/]/.test(dir)
    ? new URL(dir)
    : new URL(`file://${dir.startsWith("/") ? "" : "/"}${dir.replace(/\\/g, "/")}`);
}

function defaultKernelBase(): URL {
  const env = envKernelDir();
  if (env) return env;
  const here = import.meta.url;
  // Running from the source tree (src/backends/wasm/modules.ts) vs from a bundle in dist/.
  return /\/src\/backends\/wasm\/modules\.[jt]s$/.test(here) ? new URL("../../../dist/wasm/", here) : new URL("./wasm/", here);
}

async function readKernelFile(file: string): Promise<Uint8Array> {
  const url = new URL(file, kernelBase ?? defaultKernelBase());
  try {
    if (url.protocol === "file:") {
      const fs = await import("node:fs/promises");
      return new Uint8Array(await fs.readFile(url));
    }
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new Error(
      `wasm backend: cannot read the built-in kernel ${url.href} (${err instanceof Error ? err.message : String(err)}); ` +
        "run `npm run build` in a clone; where brainfit is bundled into another file, point BRAINFIT_WASM_DIR or setWasmKernelBaseUrl() at its dist/wasm/, or import the file and pass it to provideWasmModules()",
    );
  }
}

/** The built-in kernel file name for a key, or undefined for a model that is not built in. */
export function builtinKernelFile(key: string): string | undefined {
  return WASM_KERNEL_FILES[key];
}

/**
 * The kernel module for `key`: provided, else the built-in file compiled here, else
 * compileNow() (AssemblyScript) compiled here. `label` names the kernel in errors.
 */
export async function loadKernelModule(key: string, label: string, compileNow: () => Promise<Uint8Array>): Promise<WebAssembly.Module> {
  const given = provided.get(key);
  if (given) return given;
  const file = WASM_KERNEL_FILES[key];
  if (!canCompileWasm()) {
    throw new Error(
      `wasm backend: this runtime does not allow compiling WebAssembly (e.g. Cloudflare Workers / workerd), and no module was provided for ${label} (kernel key ${key}). ` +
        (file
          ? `Import brainfit/wasm/${file} in your bundle and pass it to provideWasmModules(), or use backend 'reference'.`
          : "Compile the model ahead of time (`brainfit compile model.json --out dir/`), import the .wasm files it writes and pass them to provideWasmModules(), or use backend 'reference'."),
    );
  }
  const bytes = file ? await readKernelFile(file) : await compileNow();
  return WebAssembly.compile(bytes as BufferSource);
}

/**
 * A copy of `wasm` with a custom section naming its kernel key appended (custom sections may
 * come last; engines ignore them when running).
 */
export function withKernelKey(wasm: Uint8Array, key: string): Uint8Array {
  const enc = new TextEncoder();
  const name = enc.encode(KERNEL_KEY_SECTION);
  const payload = enc.encode(key);
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const body = [...leb(name.length), ...name, ...payload];
  const section = new Uint8Array([0, ...leb(body.length), ...body]);
  const out = new Uint8Array(wasm.length + section.length);
  out.set(wasm);
  out.set(section, wasm.length);
  return out;
}
