import { describe, expect, it } from "vitest";
import { kernelModule } from "../../src/backends/wasm/driver.ts";
import { supHopf } from "../../src/models/hopf.ts";
import { compileModel } from "../../src/models/spec.ts";
import { setWasmKernelBaseUrl } from "../../src/backends/wasm/modules.ts";

describe("wasm kernel module cache", () => {
  it("does not remember a failed load: the next call reads the file again", async () => {
    const model = compileModel(supHopf);
    setWasmKernelBaseUrl(new URL("./no-such-folder/", import.meta.url));
    try {
      await expect(kernelModule(model, 2, false)).rejects.toThrow(/cannot read the built-in kernel/);
    } finally {
      setWasmKernelBaseUrl(new URL("../../dist/wasm/", import.meta.url));
    }
    const mod = await kernelModule(model, 2, false);
    expect(WebAssembly.Module.exports(mod).map((e) => e.name)).toContain("run");
  });
});
