#!/usr/bin/env bash
# Determinism suite (SPEC §3): the same scenario and seed give the same fingerprint.
#
#   scripts/determinism.sh BUILD_A [BUILD_B]
#
# Runs every scenario of the repository -- scenarios/*.yaml, tests/scenarios/*.yaml and
# tests/scenarios/must_fail/*.yaml (those exit 1 by design but still have a fingerprint) --
# twice with BUILD_A/hsmsim (`hsmsim run FILE --summary - --quiet`) and compares the two
# "fingerprint" fields of summary.json. With BUILD_B (e.g. the Debug + sanitizer tree
# build-asan against the Release tree build), it also runs each scenario once with
# BUILD_B/hsmsim and compares its fingerprint with BUILD_A's: optimisation level, assertions
# and sanitizer instrumentation must not change a single trace record.
#
# Time: the long examples (scenarios/az-outage, steady-day, quota-spike: 3-12 s each in
# Release) are 15-30 times slower in a Debug + ASan build, so by default BUILD_B runs only
# tests/scenarios/ (including must_fail/) and scenarios/quickstart.yaml, which cover every
# model feature; HSMSIM_DETERMINISM_B_ALL=1 runs every scenario with BUILD_B as well.
# HSMSIM_DETERMINISM_JOBS (default: the number of CPUs) runs that many scenarios at a time.
#
# Prints one line per scenario and exits 1 on any mismatch, on a run that ends with an
# unexpected exit code (0 expected, 1 under must_fail/) or prints no fingerprint; 2 on usage.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
for b in "$@"; do
  if [ ! -x "$b/hsmsim" ]; then
    echo "determinism: $b/hsmsim not found (build it first)" >&2
    exit 2
  fi
done

exec python3 - "$@" <<'PY'
import concurrent.futures
import glob
import json
import os
import subprocess
import sys
import time

build_a = sys.argv[1]
build_b = sys.argv[2] if len(sys.argv) > 2 else None
b_all = os.environ.get("HSMSIM_DETERMINISM_B_ALL", "") not in ("", "0")
jobs = int(os.environ.get("HSMSIM_DETERMINISM_JOBS", "0") or 0) or os.cpu_count() or 2
timeout_s = 1800

scenarios = (sorted(glob.glob("scenarios/*.yaml")) + sorted(glob.glob("tests/scenarios/*.yaml"))
             + sorted(glob.glob("tests/scenarios/must_fail/*.yaml")))
if not scenarios:
    print("determinism: no scenarios found", file=sys.stderr)
    sys.exit(2)


def expected_exit(path):
    return 1 if "/must_fail/" in path else 0


def in_b(path):
    return build_b is not None and (b_all or path.startswith("tests/scenarios/")
                                    or path == "scenarios/quickstart.yaml")


def run(build, path):
    """One run: (fingerprint or None, exit code, seconds, problem or '')."""
    start = time.monotonic()
    try:
        p = subprocess.run([os.path.join(build, "hsmsim"), "run", path, "--summary", "-", "--quiet"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return None, None, time.monotonic() - start, f"timed out after {timeout_s} s"
    seconds = time.monotonic() - start
    fingerprint = None
    try:
        fingerprint = json.loads(p.stdout).get("fingerprint")
    except ValueError:
        pass
    problem = ""
    if p.returncode != expected_exit(path):
        problem = f"exit {p.returncode}, expected {expected_exit(path)}"
    elif not fingerprint:
        problem = "no fingerprint in summary"
    if problem and p.stderr.strip():
        problem += ": " + p.stderr.strip().splitlines()[-1][:200]
    return fingerprint, p.returncode, seconds, problem


# Every (build, scenario, run) is independent; scenarios/ (the longest) is submitted first so that
# the pool finishes together.
tasks = []
for path in scenarios:
    tasks += [("A1", path), ("A2", path)]
    if in_b(path):
        tasks.append(("B", path))
results = {}
wall = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
    futures = {pool.submit(run, build_b if which == "B" else build_a, path): (which, path)
               for which, path in tasks}
    for f in concurrent.futures.as_completed(futures):
        results[futures[f]] = f.result()
wall = time.monotonic() - wall

width = max(len(p) for p in scenarios)
header = f"{'scenario':<{width}}  exit  {'fingerprint (A)':<16}  A run 2  "
if build_b:
    header += "B        "
header += "result"
print(f"determinism: A = {build_a}/hsmsim" + (f", B = {build_b}/hsmsim" if build_b else ""))
print(header)
print("-" * len(header))
failures = []
counts = {"ok": 0, "FAIL": 0}
for path in scenarios:
    a1, a2 = results[("A1", path)], results[("A2", path)]
    b = results.get(("B", path))
    problems = [f"{w}: {r[3]}" for w, r in (("A run 1", a1), ("A run 2", a2), ("B", b))
                if r is not None and r[3]]
    same_a = a1[0] is not None and a1[0] == a2[0]
    if a1[0] != a2[0]:
        problems.append(f"A run 1 {a1[0]} != A run 2 {a2[0]}")
    same_b = None
    if b is not None:
        same_b = a1[0] is not None and a1[0] == b[0]
        if a1[0] != b[0]:
            problems.append(f"A {a1[0]} != B {b[0]}")
    verdict = "FAIL" if problems else "ok"
    counts[verdict] += 1
    mark = lambda same: "same" if same else "DIFF"
    line = (f"{path:<{width}}  {a1[1] if a1[1] is not None else '-':>4}  "
            f"{(a1[0] or '-')[:16]:<16}  {mark(same_a):<7}  ")
    if build_b:
        line += f"{mark(same_b) if same_b is not None else '-':<7}  "
    line += verdict
    print(line)
    if problems:
        failures.append((path, problems))

b_runs = sum(1 for k in results if k[0] == "B")
print("-" * len(header))
print(f"{len(scenarios)} scenarios, {2 * len(scenarios)} runs with A"
      + (f", {b_runs} with B" + ("" if b_all else " (tests/scenarios/ and quickstart)")
         if build_b else "")
      + f"; {counts['ok']} ok, {counts['FAIL']} failed; {wall:.1f} s wall, {jobs} at a time")
slowest = sorted(((r[2], w, p) for (w, p), r in results.items()), reverse=True)[:3]
print("slowest runs: " + ", ".join(f"{p} ({w}) {s:.1f} s" for s, w, p in slowest))
for path, problems in failures:
    print(f"FAIL {path}", file=sys.stderr)
    for p in problems:
        print(f"  {p}", file=sys.stderr)
sys.exit(1 if failures else 0)
PY
