// Sources (path, path:key, file: URL, http URL via fetch, Response, Blob, ArrayBuffer, bytes)
// and the atomic saveFile.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  asMatrix,
  BrainfitIOError,
  listKeys,
  loadArray,
  loadConnectivity,
  ndarray,
  parseNpy,
  saveFile,
  toFloat64,
  writeCsv,
  writeNpy,
  writeNpz,
} from "../../src/io/index.ts";
import { arraysEqual } from "../../src/io/ndarray.ts";
import { resolveSource } from "../../src/io/source.ts";
import { fixture, FIXTURES, rejectsWith } from "./helpers.ts";

const tmp = mkdtempSync(path.join(tmpdir(), "brainfit-io-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("sources", () => {
  const file = path.join(FIXTURES, "conn_deflated.npz");
  it("path, path:key, file: URL, ArrayBuffer, Uint8Array, Blob and Response give the same array", async () => {
    const ref = await loadArray(`${file}:lengths`);
    const bytes = fixture("conn_deflated.npz") as Uint8Array<ArrayBuffer>;
    const all = [
      await loadArray(file, { key: "lengths" }),
      await loadArray(new URL(pathToFileURL(file).href), { key: "lengths" }),
      await loadArray(`${pathToFileURL(file).href}:lengths`),
      await loadArray(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, { key: "lengths" }),
      await loadArray(bytes, { key: "lengths" }),
      await loadArray(new Blob([bytes]), { key: "lengths" }),
      await loadArray(new Response(bytes), { key: "lengths" }),
    ];
    for (const a of all) expect(arraysEqual(a, ref)).toBe(true);
    expect(await listKeys(file)).toEqual(["weights", "lengths", "region_labels"]);
  });

  it("http(s) URLs via fetch, with HTTP errors typed", async () => {
    const body = fixture("float64_le_C.npy");
    const server = createServer((req, res) => {
      if (req.url === "/x.npy") {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(Buffer.from(body));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const a = await loadArray(`http://127.0.0.1:${port}/x.npy`);
      expect(arraysEqual(a, parseNpy(body))).toBe(true);
      const e = await rejectsWith(loadArray(new URL(`http://127.0.0.1:${port}/missing.npy`)), "SOURCE_READ_FAILED");
      expect(e.message).toContain("404");
    } finally {
      server.close();
    }
  });

  it("missing files and unsupported sources are typed errors naming the file", async () => {
    const e = await rejectsWith(loadArray(path.join(tmp, "nope.npy")), "SOURCE_READ_FAILED");
    expect(e.message).toContain("nope.npy");
    expect(e.message).toContain("no such file");
    await rejectsWith(resolveSource(42 as unknown as string), "SOURCE_UNSUPPORTED");
    await rejectsWith(loadArray(new Response("x", { status: 500 })), "SOURCE_READ_FAILED");
  });

  it("loadConnectivity from separate files", async () => {
    const w = path.join(tmp, "w.csv");
    const l = path.join(tmp, "l.npy");
    const labels = path.join(tmp, "labels.txt");
    writeFileSync(w, writeCsv(ndarray(Float64Array.from([0, 1, 1, 0]), [2, 2])));
    writeFileSync(l, writeNpy(ndarray(Float64Array.from([0, 5, 5, 0]), [2, 2])));
    writeFileSync(labels, "# labels\nleft\nright\n");
    const c = await loadConnectivity({ weights: w, tractLengths: l, regionLabels: labels });
    expect(c.nRegions).toBe(2);
    expect(Array.from(c.tractLengths!.data)).toEqual([0, 5, 5, 0]);
    expect(c.regionLabels).toEqual(["left", "right"]);
    writeFileSync(l, writeNpy(ndarray(new Float64Array(9), [3, 3])));
    const e = await rejectsWith(loadConnectivity({ weights: w, tractLengths: l }), "CONNECTIVITY_BAD");
    expect(e.message).toMatch(/3×3.*2×2/);
  });
});

describe("NdArray helpers", () => {
  it("asMatrix refuses non-2-D arrays with a clear error; toFloat64 converts", () => {
    const v = ndarray(Int32Array.from([1, 2, 3]));
    expect(() => asMatrix(v, "weights")).toThrow(/weights must be a 2-D matrix but has shape \[3\]/);
    const m = asMatrix(ndarray(BigInt64Array.from([1n, 2n, 3n, 4n]), [2, 2]));
    expect(m).toEqual({ rows: 2, cols: 2, data: Float64Array.from([1, 2, 3, 4]) });
    expect(toFloat64(ndarray(Uint8Array.from([1, 0]), [2], "bool")).data).toEqual(Float64Array.from([1, 0]));
    expect(() => ndarray(new Float64Array(3), [2, 2])).toThrow(BrainfitIOError);
    expect(() => ndarray(new Float32Array(2), [2], "float64")).toThrow(/Float64Array/);
  });
});

describe("saveFile", () => {
  it("writes atomically: complete content, parent folders created, no temp files left", async () => {
    const target = path.join(tmp, "out", "deep", "result.npz");
    const a = ndarray(Float64Array.from({ length: 1000 }, (_, i) => i / 7), [10, 100]);
    await saveFile(target, writeNpz({ a }, { compress: true }));
    expect(arraysEqual(await loadArray(`${target}:a`), a)).toBe(true);
    // overwrite keeps the file whole and leaves only the target behind
    await saveFile(target, writeNpz({ a, b: a }));
    expect(await listKeys(target)).toEqual(["a", "b"]);
    expect(readdirSync(path.dirname(target))).toEqual(["result.npz"]);
    await saveFile(pathToFileURL(path.join(tmp, "text.csv")), "1,2\n");
    expect(readFileSync(path.join(tmp, "text.csv"), "utf8")).toBe("1,2\n");
  });

  it("a failed write leaves the previous file untouched and no temp file", async () => {
    const dir = path.join(tmp, "keep");
    const target = path.join(dir, "r.csv");
    await saveFile(target, "old\n");
    // writing into a path whose parent is a file fails; the earlier file must survive
    const e = await rejectsWith(saveFile(path.join(target, "child.csv"), "new\n"), "WRITE_FAILED");
    expect(e.message).toContain("child.csv");
    expect(readFileSync(target, "utf8")).toBe("old\n");
    expect(readdirSync(dir)).toEqual(["r.csv"]);
    expect(existsSync(path.join(target, "child.csv"))).toBe(false);
  });
});
