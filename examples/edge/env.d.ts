// Bundle-time imports in an edge worker: workerd (and wrangler) hand a `.wasm` import over as a
// compiled WebAssembly.Module and a data file as an ArrayBuffer.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
declare module "*.npz" {
  const bytes: ArrayBuffer;
  export default bytes;
}
