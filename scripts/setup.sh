#!/usr/bin/env bash
# One-stop set-up for a fresh Debian 12 machine: installs the Debian packages hsmsim
# builds against (only those missing, so a second run is quick), then configures and
# builds the Release tree in build/. Safe to run again at any time.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config
  libssl-dev libyaml-cpp-dev libboost-graph-dev
  libgtest-dev libgmock-dev librapidcheck-dev
  libgnuplot-iostream-dev gnuplot-nox
  libcli11-dev nlohmann-json3-dev libfmt-dev
  python3-botocore
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

build_type="${HSMSIM_BUILD_TYPE:-Release}"
build_dir="${HSMSIM_BUILD_DIR:-build}"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >&2
fi
cmake --build "$build_dir" -j"$(nproc)" >&2
