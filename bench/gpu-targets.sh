#!/usr/bin/env bash
# The GPU targets of issues 2-4 in one call on a lent GPU machine (../shared/device/README.md):
# first the self-check (every kernel variant against float64 and the PyTorch goldens: is the
# GPU computing right?), then GEMM 4096^3 (target >= 25 TFLOP/s), ResNet-50 at batch 1/8/32
# beside TF.js (batch 32 >= 3x), the article's full training run (< 15 s, decoding included),
# then every kernel beside TF.js. Each step has its own time limit (570 s in all, under the
# device tool's 600 s per call) and writes its JSON and log under $OUT; a failed step does not
# stop the others. Most important first, since device time is short.
#
# Here, first:
#   npm run build && bash ../shared/device/prepare.sh
#   mkdir -p .device-data && cp -r ../shared/datasets/alien-vs-predator .device-data/
#   (.device/ and .device-data/ must be ignored, e.g. in .git/info/exclude)
# then the device tool's run, with carry [".device", "dist", ".device-data"]:
#   bash .device/run.sh bash bench/gpu-targets.sh
set -u
out=${OUT:?OUT must name the folder that comes back}
data=${DATA:-.device-data/alien-vs-predator}

step() {
  local name=$1 limit=$2
  shift 2
  local start=$SECONDS
  timeout "$limit" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  echo "== $name: exit $rc after $((SECONDS - start)) s (limit $limit s): $*"
  grep -v '^Warning' "$out/$name.log" | tail -n 12
}

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,power.limit --format=csv > "$out/gpu.txt" 2>&1 && cat "$out/gpu.txt"
step selfcheck 60 node dist/selfcheck.js --json "$out/selfcheck.json"
step gemm4096 90 node dist/bench.js --gemm 4096 --only gemm --runs 5 --json "$out/gemm4096.json"
step resnet 150 node dist/bench-resnet.js --batches 1,8,32 --json "$out/resnet.json"
step train 120 node dist/bench-train.js --data "$data" --no-peer --json "$out/train.json"
step kernels 150 node dist/bench.js --json "$out/kernels.json"
