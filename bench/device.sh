#!/usr/bin/env bash
# WebGPU throughput on a machine with a real GPU, nothing installed and no network (e.g. the
# device tool's NVIDIA H200): node-steps/s of the WGSL kernel for rWW-100 + BOLD without delays
# (cuBNM's headline workload) and SupHopf-100 with delays at 512, 4,096 and 32,768 lanes, and
# the time cuBNM's headline (32,768 rWW-100 simulations × 60 s at dt 0.1 ms) would take.
#
# 1. Here (once per commit): bash bench/device/prep.sh   → bench/device/pack/brainfit-device.tar.xz
# 2. There, from the repository root: bash bench/device.sh
#    (device tool: run with carry ["bench/device/pack"] and command "bash bench/device.sh")
# Environment: DEVICE_LANES (default 512,4096,32768), DEVICE_SECONDS (target seconds per timed
# run, default 4), DEVICE_MODELS (rww,hopf), DEVICE_NOISE (shared: one noise key for all lanes,
# as cuBNM shares one noise realisation across a batch, and as a fit's candidates do, so the
# kernel draws normals once per workgroup; independent: per-lane streams), DEVICE_TIMEOUT (s,
# default 280), DEVICE_CHECK=1 (then the backend's correctness check, test/webgpu/device-check.ts),
# DEVICE_LPI (lanes per invocation, default the driver's: 1 on GPUs; DEVICE_LPI=1,2 runs both, one
# pass each), DEVICE_HOLD (fast states held in workgroup memory for a dispatch, default the
# driver's: on on GPUs where they fit; DEVICE_HOLD=0,1 runs both, one pass each per DEVICE_LPI),
# DEVICE_SPD (steps per dispatch, default the driver's: 2^24 node-steps per dispatch, so 5 steps at
# 32,768 lanes × 100 nodes; held states are loaded and stored once per dispatch).
# Designed to finish in < 5 minutes on a GPU. Tested end to end on lavapipe with small sizes:
#   DEVICE_LANES=16 DEVICE_SECONDS=1 bash bench/device.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pack=$here/device/pack/brainfit-device.tar.xz
if [ ! -f "$pack" ]; then
  echo "bench/device.sh: $pack is missing; run 'bash bench/device/prep.sh' on a machine with the repository's node_modules first" >&2
  exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/brainfit-device.XXXXXX")
trap 'rm -rf "$work"' EXIT
xz -dc "$pack" | tar -C "$work" -xf -
echo "pack built from commit $(cat "$work/COMMIT")"

# System libraries first; the packed copies only where the system has none.
fallback=""
for lib in libvulkan.so.1 libstdc++.so.6 libgcc_s.so.1; do
  if ! ldconfig -p | grep -q "^[[:space:]]*$lib "; then
    mkdir -p "$work/lib"
    [ -f "$work/lib-fallback/$lib" ] && cp "$work/lib-fallback/$lib" "$work/lib/" && fallback="$fallback $lib"
  fi
done
[ -n "$fallback" ] && echo "using packed:$fallback" && export LD_LIBRARY_PATH="$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The NVIDIA Vulkan driver's manifest where containers put it (the loader's default paths otherwise).
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then export VK_DRIVER_FILES="$f"; break; fi
  done
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$work/xdg}
mkdir -p "$XDG_RUNTIME_DIR"
export BRAINFIT_SHARED="$work/shared"
export WEBGPU_BENCH_LANES=${DEVICE_LANES:-512,4096,32768}
export WEBGPU_BENCH_SECONDS=${DEVICE_SECONDS:-4}
export WEBGPU_BENCH_MODELS=${DEVICE_MODELS:-rww,hopf}
export WEBGPU_BENCH_WASM=0
export WEBGPU_BENCH_NOISE=${DEVICE_NOISE:-shared}
export WEBGPU_BENCH_SPD=${DEVICE_SPD:-}
cd "$work"
# DEVICE_LPI=1,2: one bench pass per value (each under DEVICE_TIMEOUT); empty: the driver's choice.
# DEVICE_HOLD=0,1 likewise for held states.
for lpi in $(echo "${DEVICE_LPI:-default}" | tr ',' ' '); do
  if [ "$lpi" = default ]; then export WEBGPU_BENCH_LPI=; else export WEBGPU_BENCH_LPI=$lpi; fi
  for hold in $(echo "${DEVICE_HOLD:-default}" | tr ',' ' '); do
    if [ "$hold" = default ]; then export WEBGPU_BENCH_HOLD=; else export WEBGPU_BENCH_HOLD=$hold; fi
    timeout "${DEVICE_TIMEOUT:-280}" ./node bench.mjs
  done
done
# DEVICE_CHECK=1: also check the WebGPU backend on this adapter (Philox bits, f32 trajectories
# within their derived bound, bit-identical reruns and chunking, shared-key noise, a long
# streamed run); about a minute on a GPU.
if [ "${DEVICE_CHECK:-0}" = 1 ]; then
  timeout "${DEVICE_CHECK_TIMEOUT:-240}" ./node device-check.mjs --runs="${DEVICE_CHECK_RUNS:-30}" --long="${DEVICE_CHECK_LONG:-10}"
fi
