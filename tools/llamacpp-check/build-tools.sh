#!/usr/bin/env bash
# Builds llama.cpp's llama-server and llama-bench, for the side-by-side benchmarks (`sharplm bench generate
# --llama-bench PATH`, the serving comparison in docs/benchmarks.md). The source is the llama.cpp release that
# node-llama-cpp 3.22.1 carries in its npm package as a git bundle (llama/gitRelease.bundle), so nothing but npm is
# downloaded. Needs git, cmake, ninja and a C++ compiler (Debian: apt-get install git cmake ninja-build g++).
#
# Usage: bash tools/llamacpp-check/build-tools.sh [OUT_DIR]   (default: tools/llamacpp-check/llama.cpp)
# Prints the two binaries' paths when done; a second run reuses the checkout and the build folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/llama.cpp}
version=3.22.1

for tool in git cmake ninja c++ npm; do
  command -v "$tool" >/dev/null || { echo "build-tools.sh: '$tool' is missing (Debian: apt-get install git cmake ninja-build g++ npm)" >&2; exit 2; }
done

if [ ! -d "$out/.git" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-llama-cpp@$version" >/dev/null && tar xzf "node-llama-cpp-$version.tgz" package/llama/gitRelease.bundle)
  git clone --quiet "$work/package/llama/gitRelease.bundle" "$out"
fi

# Native code for this CPU (AVX2/FMA where present), as llama.cpp's own release notes advise for benchmarks.
cmake -S "$out" -B "$out/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$out/build" --target llama-server llama-bench -j "$(nproc)"
echo "llama-server: $out/build/bin/llama-server"
echo "llama-bench:  $out/build/bin/llama-bench"
