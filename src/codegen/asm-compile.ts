// Compile a model's AssemblyScript kernel to WebAssembly. Built-in models are compiled at
// build time (scripts/build-asm.mjs) and embedded; a user's own model is compiled here at run
// time with the AssemblyScript compiler, loaded lazily (it is large and only needed then).
import type { CompiledModel } from "../models/spec.ts";
import { type AsmKernelOptions, emitAsmKernel } from "./asm.ts";

export interface AsmSources {
  vmath: string;
  philox: string;
}

export const ASC_OPTIONS = {
  optimizeLevel: 3,
  shrinkLevel: 0,
  runtime: "stub",
  noAssert: true,
  importMemory: true,
  disableWarning: [112],
};

/** FNV-1a of the kernel source: names the built-in binary that matches this exact code. */
export function kernelKey(source: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < source.length; i++) {
    h ^= source.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

export async function compileAsmKernel(model: CompiledModel, sources: AsmSources, opts: AsmKernelOptions = {}): Promise<Uint8Array> {
  return compileAsmSource(`model '${model.name}'`, emitAsmKernel(model, opts), sources, opts.relaxed ?? false);
}

/** Compile a generated kernel (imports ./vmath and ./philox) with the AssemblyScript compiler. */
export async function compileAsmSource(label: string, kernel: string, sources: AsmSources, relaxed = false): Promise<Uint8Array> {
  // The package name is held in a variable so bundlers leave the optional compiler out.
  const ascModule = "assemblyscript/asc";
  let asc: {
    compileString: (
      s: Record<string, string>,
      o: object,
    ) => Promise<{ binary: Uint8Array | null; error: Error | null; stderr: { toString(): string } }>;
  };
  try {
    asc = (await import(/* @vite-ignore */ ascModule)).default;
  } catch {
    throw new Error(
      `wasm backend: ${label} is not built in, and compiling it needs the AssemblyScript compiler: ` +
        "install it (npm install assemblyscript) or use backend 'reference' or 'webgpu'",
    );
  }
  const result = await asc.compileString(
    { "kernel.ts": kernel, "vmath.ts": sources.vmath, "philox.ts": sources.philox },
    { ...ASC_OPTIONS, enable: relaxed ? ["simd", "relaxed-simd"] : ["simd"] },
  );
  if (result.error || !result.binary) {
    throw new Error(`wasm backend: compiling ${label} failed:\n${result.stderr.toString()}`);
  }
  return result.binary;
}
