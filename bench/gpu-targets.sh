#!/usr/bin/env bash
# The GPU targets in one call on a lent GPU machine: first what the adapter offers, then the
# self-check (every kernel variant against float64 and the PyTorch goldens: is the GPU
# computing right?), ResNet-50 at batch 1/8/32 beside TF.js (f32 and f16 storage, split-K on
# and off, the host's encode time per forward, a per-dispatch profile at each batch), the
# training step of each recipe beside the inference forward at batch 32, GEMM at GEMM_SIZE^3,
# the full training run of the Keras vs. PyTorch article (decoding included), then every
# kernel beside TF.js at batch 32 (both conv tiles). Each step has its
# own time limit (their sum stays under the device tool's limit per call) and writes its JSON
# and log; a failed step does not stop the others. Most important first, since device time is
# short. Everything ends up in $OUT/gpu-targets.tgz (the tool brings back 8 files at most).
#
#   bash bench/device-kit.sh pack                                   # here, once built
#   OUT=$OUT bash bench/device-kit.sh run bash bench/gpu-targets.sh # there, carrying .device-data
#
# DATA is the dataset folder (train/<class>/, validation/<class>/); the kit sets it.
set -u
dest=${OUT:?OUT must name the folder that comes back}
data=${DATA:?DATA must name the dataset folder (train/<class>/, validation/<class>/)}
gemm_size=${GEMM_SIZE:-4096}
out=$(mktemp -d)
trap 'tar czf "$dest/gpu-targets.tgz" -C "$out" .' EXIT

# Seconds per step: 540 in all, under the device tool's 600 s per call.
adapter_limit=20
selfcheck_limit=60
resnet_limit=120
step_limit=80
gemm_limit=50
train_limit=110
kernels_limit=100

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
step adapter "$adapter_limit" sh -c "node bench/adapter-probe.mjs > $out/adapter.json"
step selfcheck "$selfcheck_limit" node dist/selfcheck.js --json "$out/selfcheck.json"
step resnet "$resnet_limit" node dist/bench-resnet.js --batches 1,8,32 --runs 5 --profile --f16 --split-k \
  --json "$out/resnet.json"
step train-step "$step_limit" node dist/bench-train.js --data "$data" --no-peer --no-full --steps 5 \
  --json "$out/train-step.json"
step gemm "$gemm_limit" node dist/bench.js --gemm "$gemm_size" --only gemm --runs 5 --f16 --json "$out/gemm.json"
step train "$train_limit" node dist/bench-train.js --data "$data" --no-peer --json "$out/train.json"
step kernels "$kernels_limit" node dist/bench.js --batch 32 --tiles --runs 5 --json "$out/kernels.json"
