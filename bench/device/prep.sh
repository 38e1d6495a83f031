#!/usr/bin/env bash
# Packs what bench/device.sh needs on a GPU machine with nothing installed and no network:
# this machine's node binary, the `webgpu` npm package (Dawn's dawn.node for linux-x64), the
# WebGPU bench (bench/webgpu.bench.ts bundled with esbuild, `webgpu` left external) and the
# backend's correctness check (test/webgpu/device-check.ts, likewise), the HCP
# Schaefer-100 connectome it reads, and fallback copies of the Vulkan loader and libstdc++
# (used there only when the system lacks them). Output: bench/device/pack/brainfit-device.tar.xz
# (ignored by git; name `bench/device/pack` in the device tool's carry).
# Run here, from the repository root: bash bench/device/prep.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
shared=${BRAINFIT_SHARED:-$root/../shared}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/node_modules/webgpu/dist/linux-x64" "$stage/shared/data/hcp-schaefer100/group-train706" "$stage/lib-fallback" bench/device/pack

node_modules/.bin/esbuild bench/webgpu.bench.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --outfile="$stage/bench.mjs" --log-level=warning
# The correctness check of the WebGPU backend on the device's own adapter (DEVICE_CHECK=1).
node_modules/.bin/esbuild test/webgpu/device-check.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --outfile="$stage/device-check.mjs" --log-level=warning
cp "$(command -v node)" "$stage/node"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$stage/node_modules/webgpu/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$stage/node_modules/webgpu/dist/linux-x64/"
cp "$shared"/data/hcp-schaefer100/group-train706/sc_strength.npz "$shared"/data/hcp-schaefer100/group-train706/sc_length.npz \
  "$stage/shared/data/hcp-schaefer100/group-train706/"
for lib in libvulkan.so.1 libstdc++.so.6 libgcc_s.so.1; do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ { print $NF; exit }')
  [ -n "$path" ] && cp -L "$path" "$stage/lib-fallback/$lib"
done
echo "$(git rev-parse HEAD)$(git diff --quiet HEAD -- . || echo " + uncommitted changes")" > "$stage/COMMIT"
tar -C "$stage" -cf - . | xz -T0 -6 > bench/device/pack/brainfit-device.tar.xz
ls -la bench/device/pack/brainfit-device.tar.xz
