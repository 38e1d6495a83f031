// Deno smoke test of the WebGPU backend (navigator.gpu is built into Deno): SupHopf with
// delays and noise on webgpu agrees with the float64 reference. Run with
// `deno test -A test/deno/`. Fails when Deno finds no adapter, unless BRAINFIT_NO_WEBGPU=1.
// The GPU work runs in a `deno run` child (child/webgpu_check.ts): `deno test` itself
// aborts at exit in ~1 run of 8 once it has opened an adapter on lavapipe (see there).
import assert from "node:assert/strict";

// `Deno` is a global only under Deno; tsc (which also checks this folder) does not know it.
const { Deno } = globalThis as unknown as {
  Deno: {
    test(def: { name: string; ignore?: boolean; fn: () => Promise<void> }): void;
    env: { get(key: string): string | undefined };
    execPath(): string;
    Command: new (cmd: string, opts: { args: string[]; stdout: "piped"; stderr: "piped" }) => {
      output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }>;
    };
  };
};

Deno.test({
  name: "webgpu SupHopf with delays and noise matches the float64 reference",
  ignore: Deno.env.get("BRAINFIT_NO_WEBGPU") === "1",
  fn: async () => {
    const script = new URL("./child/webgpu_check.ts", import.meta.url).pathname;
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-lock", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assert.equal(code, 0, `deno run ${script} exited with ${code}:\n${text}`);
    assert.match(text, /webgpu matches the reference on WebGPU on /);
  },
});
