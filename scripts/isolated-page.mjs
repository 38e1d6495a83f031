// A page for headless Chromium: an esbuild bundle of one entry, served on 127.0.0.1 with
// COOP/COEP (cross-origin isolated, so wasm workers may use SharedArrayBuffer), with the SDK's
// built-in wasm kernels under /wasm/ (it fetches them beside its bundle: src/backends/wasm/modules.ts).
// Used by the browser smoke test (scripts/test-runtimes.mjs) and bench/browser-wasm.bench.ts.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join } from "node:path";

/** Chromium flags: headless, no sandbox (containers), WebGPU on Linux, no network of its own. */
export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-dev-shm-usage",
];

const MIME = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".map": "application/json",
  ".wasm": "application/wasm",
};

/** Bundles `entry` to `outDir`/entry.js and serves it; resolves to the page's URL and a close(). */
export async function serveIsolatedPage({ root, entry, outDir, title }) {
  mkdirSync(outDir, { recursive: true });
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outfile: join(outDir, "entry.js"),
    // Node-only paths of the SDK are lazy imports behind runtime checks; leave them out.
    external: ["node:*", "webgpu"],
    sourcemap: true,
    logLevel: "warning",
  });
  const html = `<!doctype html><meta charset="utf-8"><title>${title}</title><script type="module" src="/entry.js"></script>`;
  const headers = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cache-Control": "no-store",
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/favicon.ico") {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    if (path === "/" || path === "/index.html") {
      res.writeHead(200, { ...headers, "Content-Type": "text/html" });
      res.end(html);
      return;
    }
    const base = path.startsWith("/wasm/") ? join(root, "dist") : outDir;
    const file = join(base, path.replace(/^\/+/, ""));
    if (!file.startsWith(base) || !existsSync(file)) {
      res.writeHead(404, headers);
      res.end("not found");
      return;
    }
    res.writeHead(200, { ...headers, "Content-Type": MIME[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}
