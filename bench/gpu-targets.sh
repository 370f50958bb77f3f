#!/usr/bin/env bash
# The GPU targets in one call on a lent GPU machine (the device kit's README tells how to
# carry dist/ and Node there): first the self-check (every kernel variant against float64 and
# the PyTorch goldens: is the GPU computing right?), then GEMM at GEMM_SIZE^3, ResNet-50 at
# batch 1/8/32 beside TF.js, the full training run of the Keras vs. PyTorch article
# (decoding included), then every kernel beside TF.js. Each step has its own time limit
# (their sum stays under the device tool's limit per call) and writes its JSON and log under
# $OUT; a failed step does not stop the others. Most important first, since device time is short.
#
#   DATA=DIR OUT=DIR bash bench/gpu-targets.sh
#
# DATA is the dataset folder (train/<class>/, validation/<class>/) as carried to the machine.
set -u
out=${OUT:?OUT must name the folder that comes back}
data=${DATA:?DATA must name the dataset folder (train/<class>/, validation/<class>/)}
gemm_size=${GEMM_SIZE:-4096}

# Seconds per step: 570 in all, under the device tool's 600 s per call.
selfcheck_limit=60
gemm_limit=90
resnet_limit=150
train_limit=120
kernels_limit=150

step() {
  local name=$1 limit=$2
  shift 2
  local start=$SECONDS
  timeout "$limit" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  echo "== $name: exit $rc after $((SECONDS - start)) s (limit $limit s): $*"
  grep -v '^Warning' "$out/$name.log" | tail -n 12
}

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,power.limit --format=csv > "$out/gpu.txt" 2>&1 &&
  cat "$out/gpu.txt"
step selfcheck "$selfcheck_limit" node dist/selfcheck.js --json "$out/selfcheck.json"
step gemm "$gemm_limit" node dist/bench.js --gemm "$gemm_size" --only gemm --runs 5 --json "$out/gemm.json"
step resnet "$resnet_limit" node dist/bench-resnet.js --batches 1,8,32 --json "$out/resnet.json"
step train "$train_limit" node dist/bench-train.js --data "$data" --no-peer --json "$out/train.json"
step kernels "$kernels_limit" node dist/bench.js --json "$out/kernels.json"
