#!/usr/bin/env bash
# The feature cache and sweeps on the article's dataset (694 training, 200 validation images):
# one run fills the cache (backbone on every image), then a second run trains a head for one
# epoch with every feature read from the cache, then a 9-point sweep (--lr x --hidden, 3 epochs
# each) runs on the cache. Writes bench/results/sweep-<name>.json with the seconds each took,
# as train.js reports them. Random backbone weights: the timing does not depend on them.
#
#   npm run build && bash bench/sweep.sh [DATA] [NAME]
set -euo pipefail
data=${1:-../shared/datasets/alien-vs-predator}
name=${2:-lavapipe-$(nproc)core}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
common=(--data "$data" --weights random:1 --recipe frozen --augment none --cache "$work/cache" --quiet)
seconds() { local start=$SECONDS; "$@" > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }; echo $((SECONDS - start)); }

fill=$(seconds node dist/train.js "${common[@]}" --epochs 1 --out "$work/fill")
cached=$(seconds node dist/train.js "${common[@]}" --epochs 1 --out "$work/cached" --json "$work/cached.json")
sweep=$(seconds node dist/train.js "${common[@]}" --epochs 3 --lr 1e-4,1e-3,1e-2 --hidden 64,128,256 \
  --out "$work/sweep" --json "$work/sweep.json")
node -e '
const fs = require("fs");
const [cachedJson, sweepJson, fill, cached, sweep, out] = process.argv.slice(1);
const epoch = JSON.parse(fs.readFileSync(cachedJson, "utf8"))[0];
const points = JSON.parse(fs.readFileSync(sweepJson, "utf8"));
const result = {
  date: new Date().toISOString().slice(0, 10),
  cpu: require("os").cpus()[0].model,
  cores: require("os").cpus().length,
  images: { train: 694, validation: 200 },
  fillRunSeconds: Number(fill),
  cachedRunSeconds: Number(cached),
  headEpochOnCachedFeatures: { seconds: epoch.seconds, imagesPerSecond: epoch.imagesPerSecond },
  sweep: { points: points.length, epochsEach: 3, runSeconds: Number(sweep),
           trainingSeconds: points.reduce((a, p) => a + p.seconds, 0) },
};
fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
console.log(JSON.stringify(result, null, 2));
' "$work/cached.json" "$work/sweep.json" "$fill" "$cached" "$sweep" "bench/results/sweep-$name.json"
