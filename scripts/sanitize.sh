#!/usr/bin/env bash
# The whole test suite under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer: configures build-asan/ (Debug, HSMSIM_SANITIZE=ON), builds it
# and runs every ctest test there. Any finding -- out-of-bounds access, use after free, leak,
# signed overflow, misaligned or null access, bad shift, invalid enum or bool load... -- aborts
# the process with a stack trace and fails its test. Extra arguments go to ctest
# (e.g. `scripts/sanitize.sh -R scenario.`). Run scripts/setup.sh first on a fresh machine.
#
# Why Debug (-O0 -g) and not RelWithDebInfo: on 2 cores the build dominates, and -O0 compiles
# the project's template-heavy sources (nlohmann::json, fmt, RapidCheck, Boost.Graph) markedly
# faster than -O2 with ASan instrumentation; the suite, slower per test, still runs in a few
# minutes. Debug also keeps assert() on, and gives scripts/determinism.sh a Debug tree to
# compare with the Release tree build/ (SPEC §3: Debug and Release give the same fingerprints).
# HSMSIM_ASAN_BUILD_TYPE=RelWithDebInfo and HSMSIM_ASAN_DIR=DIR override type and directory.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${HSMSIM_ASAN_DIR:-build-asan}"
build_type="${HSMSIM_ASAN_BUILD_TYPE:-Debug}"
jobs="$(nproc)"

# exitcode=99: a sanitizer finding must not pass for the exit code 1 that the must_fail
# scenario tests (and the CLI tests' expected failures) look for.
# detect_stack_use_after_return / check_initialization_order / strict_init_order: catch
# dangling stack references and static initialisation order bugs as well.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:exitcode=99:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:print_summary=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99:print_summary=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-print_suppressions=0}"

start=$SECONDS
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
  -DHSMSIM_SANITIZE=ON >&2
cmake --build "$build_dir" -j"$jobs" >&2
built=$SECONDS
echo "sanitize: built $build_dir ($build_type, ASan+UBSan) in $((built - start)) s" >&2

status=0
ctest --test-dir "$build_dir" --output-on-failure -j"$jobs" --timeout 1200 "$@" || status=$?
echo "sanitize: test suite under ASan+UBSan took $((SECONDS - built)) s (exit $status)" >&2
exit "$status"
