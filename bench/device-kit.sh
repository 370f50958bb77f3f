#!/usr/bin/env bash
# Carries what a bare GPU machine lacks (the device tool of this workplace: no Node, no npm
# registry, no Vulkan loader) in .device-data/, which git ignores and the tool's `carry` takes:
#
#   bash bench/device-kit.sh pack            # here, after `npm run build`: about 45 MiB
#   bash bench/device-kit.sh run CMD ARGS    # there: unpack, then CMD with node on the PATH
#
# e.g. run(command: "OUT=$OUT bash bench/device-kit.sh run bash bench/gpu-targets.sh",
#          carry: [".device-data"]); gpu-targets.sh finds the dataset at .device-data/data.
# The kit: Node (xz), dawn.node for linux-x64 (xz), dist/*.js, the dataset, and Debian's
# Vulkan loader and GL vendor-neutral dispatch (NVIDIA's Vulkan driver needs libGLdispatch).
set -euo pipefail
kit=.device-data
case "${1:-}" in
  pack)
    data=${DATA:-../shared/datasets/alien-vs-predator}
    rm -rf "$kit" && mkdir -p "$kit/webgpu" "$kit/dist" "$kit/gl" /tmp/device-kit-apt/partial
    xz -T0 -6 -c "$(command -v node)" > "$kit/node.xz"
    cp node_modules/webgpu/{index.js,package.json} "$kit/webgpu/"
    xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$kit/webgpu/dawn.node.xz"
    cp dist/*.js "$kit/dist/"
    cp -r "$data" "$kit/data"
    apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/device-kit-apt)
    apt-get "${apt[@]}" update > /dev/null
    (cd "$kit/gl" && apt-get "${apt[@]}" download libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libgles2 libopengl0)
    du -sh "$kit"
    ;;
  run)
    shift
    unxz() { xz -dc "$1" > "$2" 2> /dev/null || python3 -c 'import lzma, shutil, sys
shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; }
    mkdir -p /tmp/device-kit-bin node_modules/webgpu/dist/linux-x64 dist
    unxz "$kit/node.xz" /tmp/device-kit-bin/node && chmod +x /tmp/device-kit-bin/node
    export PATH=/tmp/device-kit-bin:$PATH
    cp "$kit"/webgpu/*.js "$kit"/webgpu/*.json node_modules/webgpu/
    unxz "$kit/webgpu/dawn.node.xz" node_modules/webgpu/dist/linux-x64/dawn.node
    cp "$kit"/dist/*.js dist/
    for deb in "$kit"/gl/*.deb; do dpkg -x "$deb" /; done
    ldconfig
    icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    [ -f "$icd" ] && export VK_DRIVER_FILES=$icd
    export XDG_RUNTIME_DIR=/tmp DATA=${DATA:-$kit/data}
    exec "$@"
    ;;
  *)
    echo "usage: bash bench/device-kit.sh pack | run CMD [ARGS...]" >&2
    exit 2
    ;;
esac
