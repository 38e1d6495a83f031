// Browser smoke page: bundled by scripts/test-runtimes.mjs with esbuild for the browser and
// opened in headless Chromium. Runs the shared smoke checks on the backends named in the
// query string (?backends=webgpu,wasm; reference always) and publishes the outcomes on
// window.__brainfitSmoke for the test driver to read.
import { smokeBackend, smokeGradient, type SmokeOutcome, smokeReference } from "./smoke-core.ts";

interface SmokeReport {
  userAgent: string;
  crossOriginIsolated: boolean;
  outcomes: SmokeOutcome[];
}

async function main(): Promise<SmokeReport> {
  const wanted = (new URLSearchParams(location.search).get("backends") ?? "")
    .split(",")
    .filter((b): b is "webgpu" | "wasm" => b === "webgpu" || b === "wasm");
  const outcomes: SmokeOutcome[] = [];
  const ref = await smokeReference();
  outcomes.push(ref.outcome);
  for (const b of wanted) {
    outcomes.push(
      ref.result ? await smokeBackend(b, ref.result) : { backend: b, ok: false, detail: "no reference result to compare with" },
    );
  }
  if (wanted.includes("wasm")) outcomes.push(await smokeGradient());
  return { userAgent: navigator.userAgent, crossOriginIsolated: globalThis.crossOriginIsolated ?? false, outcomes };
}

const w = globalThis as unknown as { __brainfitSmoke?: Promise<SmokeReport> };
w.__brainfitSmoke = main();
void w.__brainfitSmoke.then((r) => {
  document.title = r.outcomes.every((o) => o.ok) ? "PASS" : "FAIL";
  const pre = document.createElement("pre");
  pre.textContent = r.outcomes.map((o) => `${o.ok ? "PASS" : "FAIL"} ${o.backend}: ${o.detail}`).join("\n");
  document.body.append(pre);
});
