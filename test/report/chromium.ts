// Opens pages in Debian's Chromium through playwright-core, as scripts/test-runtimes.mjs does
// (the same flags, from scripts/isolated-page.mjs; WebGPU enabled, SwiftShader when there is no GPU). Collects console errors and
// page errors so tests can assert there are none.
import { existsSync, mkdirSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
// @ts-expect-error: a plain .mjs script without types (the flags of the browser smoke test and bench)
import { CHROMIUM_ARGS } from "../../scripts/isolated-page.mjs";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
/** Run the Chromium tests when the browser is there, and always in CI (where a missing browser must fail, not skip). */
export const hasChromium = existsSync(CHROMIUM) || process.env.CI === "true" || process.env.CI === "1";

export async function launch(): Promise<Browser> {
  const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp/xdg-brainfit" } as Record<string, string>;
  mkdirSync(env.XDG_RUNTIME_DIR!, { recursive: true, mode: 0o700 });
  return chromium.launch({ executablePath: CHROMIUM, headless: false, args: CHROMIUM_ARGS, env, timeout: 60_000 });
}

/** A page that records console errors, page errors and failed requests into `errors`. */
export async function openPage(browser: Browser, viewport = { width: 1400, height: 1000 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  return { page, errors };
}
