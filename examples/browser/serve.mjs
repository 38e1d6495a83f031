// Static server for the page: build/browser-page/ at /, the bundled data/ at /data/, with the
// COOP/COEP headers that make the page cross-origin isolated (SharedArrayBuffer for the WASM
// backend's worker threads). Usage: node examples/browser/serve.mjs [port]  → http://127.0.0.1:8080/
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MIME = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

export function startServer(port = 8080) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const base = path.startsWith("/data/") ? root : join(root, "build", "browser-page");
    const file = normalize(join(base, path === "/" ? "index.html" : path));
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cache-Control": "no-store",
    };
    if (!file.startsWith(base) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404, headers).end("not found");
    res.writeHead(200, { ...headers, "Content-Type": MIME[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(port, "127.0.0.1", () => ok(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = await startServer(Number(process.argv[2] ?? 8080));
  console.log(`brainfit page: http://127.0.0.1:${s.address().port}/  (build it first: node examples/browser/build.mjs)`);
}
