#!/usr/bin/env bash
# Fuzzes the input side (scenario loading and validation) with libFuzzer for SECONDS
# (default 60): builds build-fuzz/scenario_fuzzer with clang (HSMSIM_FUZZ=ON: ASan + UBSan)
# if needed, seeds the corpus from the repository's scenarios, runs, and exits non-zero on any
# crash, sanitizer report, leak, timeout (> 10 s for one input) or out-of-memory (> 2 GiB).
# Crash artifacts land in build-fuzz/artifacts/; reproduce one with
#   build-fuzz/scenario_fuzzer build-fuzz/artifacts/crash-...
# Needs what scripts/setup.sh installs; installs clang and its libFuzzer runtime if missing.
# Environment: HSMSIM_FUZZ_BUILD_DIR (default build-fuzz); CC / CXX for the first configure
# (default clang / clang++).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: $0 [SECONDS]   (default 60)" >&2
  exit 2
fi
build_dir="${HSMSIM_FUZZ_BUILD_DIR:-build-fuzz}"

# clang and its libFuzzer runtime, on top of what scripts/setup.sh installs (only if missing).
packages=(clang libclang-rt-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "fuzz-loader: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  CC="${CC:-clang}" CXX="${CXX:-clang++}" cmake -S . -B "$build_dir" -G Ninja \
    -DHSMSIM_FUZZ=ON -DHSMSIM_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
cmake --build "$build_dir" --target scenario_fuzzer -j"$(nproc)" >&2

# The seed corpus: every scenario the repository ships or tests, rebuilt each run so it
# follows the tree; what the fuzzer learns goes to fuzz-corpus/ and is kept between runs.
seeds="$build_dir/fuzz-seeds"
corpus="$build_dir/fuzz-corpus"
artifacts="$build_dir/artifacts"
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus" "$artifacts"
shopt -s nullglob globstar
n=0
for f in scenarios/*.yaml tests/scenarios/**/*.yaml tests/scenario/data/*; do
  n=$((n + 1))
  cp "$f" "$seeds/$(printf '%04d' "$n")-$(basename "$f")"
done
echo "fuzz-loader: $n seed files, ${seconds}s" >&2

log="$build_dir/fuzz-loader.log"
status_file="$build_dir/fuzz-loader.status"
rm -f "$status_file"
touch "$build_dir/fuzz-loader.start"  # artifacts newer than this are this run's
# -max_len: mutations up to 64 KiB (seeds are cut there); -timeout: one input taking > 10 s
# is a finding; -rss_limit_mb / -malloc_limit_mb: so is using or allocating > 2 GiB.
# libFuzzer's whole output goes to the log; its progress and any report are shown here.
{
  set +e
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    "$build_dir/scenario_fuzzer" "$corpus" "$seeds" \
    -dict=fuzz/scenario.dict -max_total_time="$seconds" -max_len=65536 \
    -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/"
  echo $? >"$status_file"
} 2>&1 | tee "$log" | grep -E --line-buffered \
  '^#[0-9]+[[:space:]]+(INITED|DONE|pulse)|ERROR|WARNING|SUMMARY|Test unit written|^stat::|^scenario_fuzzer:|^==[0-9]+==' ||
  true
status="$(cat "$status_file" 2>/dev/null || echo 1)"

# libFuzzer's final status line: "#N DONE cov: C ft: F corp: ... exec/s: E ...".
last="$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 || true)"
execs="$(grep -E '^stat::number_of_executed_units' "$log" | tail -n 1 | awk '{print $2}' || true)"
rate="$(grep -E '^stat::average_exec_per_sec' "$log" | tail -n 1 | awk '{print $2}' || true)"
cov="$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")"
ft="$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")"
corp="$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")"
echo "fuzz-loader: ${execs:-?} executions, ${rate:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}," \
  "corpus ${corp:-?} (log: $log)"

if [ "$status" -ne 0 ]; then
  echo "fuzz-loader: FAILED (libFuzzer exit $status); this run's artifacts:" >&2
  find "$artifacts" -type f -newer "$build_dir/fuzz-loader.start" >&2 || true
  exit 1
fi
echo "fuzz-loader: no crash, leak, timeout or sanitizer report" >&2
