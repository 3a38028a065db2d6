#!/usr/bin/env bash
# CPU time per simulated request of several hsmsim binaries, measured side by side.
#
#   scripts/perf-compare.sh [-n ROUNDS] HSMSIM [HSMSIM ...]
#
# Runs the scenario of one 1 KiB `hsmsim bench e2e` run (printed by the last HSMSIM given,
# which must know `bench e2e --print-scenario`; older binaries only need `run`) with each binary
# in turn, ROUNDS times (default 10), and prints for each the minimum CPU time (user + system
# of the child) per Encrypt request in ns. Rounds interleave the binaries, so drift of the
# machine hits all of them alike; the minimum is the run least disturbed by other work. Use it
# to compare a change against a binary built from the commit before (copy build/hsmsim aside
# first): builds of equivalent code can differ by up to 20 ns a request through code layout
# alone, so a difference below that needs a second look.
set -euo pipefail

rounds=10
if [ "${1:-}" = "-n" ]; then
  rounds="${2:-}"
  shift 2 || true
fi
if [ $# -lt 1 ] || ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
for b in "$@"; do
  if [ ! -x "$b" ]; then
    echo "perf-compare: $b is not an executable" >&2
    exit 2
  fi
done

exec python3 - "$rounds" "$@" <<'PY'
import json, os, resource, subprocess, sys, tempfile

rounds = int(sys.argv[1])
binaries = sys.argv[2:]
with tempfile.TemporaryDirectory() as tmp:
    scenario = os.path.join(tmp, "e2e.yaml")
    summary = os.path.join(tmp, "summary.json")
    with open(scenario, "w") as f:
        subprocess.run([binaries[-1], "bench", "e2e", "--print-scenario"], check=True, stdout=f)
    best = {b: float("inf") for b in binaries}
    requests = {}
    for r in range(rounds):
        for b in binaries:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([b, "run", scenario, "--quiet", "--summary", summary], check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            with open(summary) as f:
                requests[b] = json.load(f)["operations"]["Encrypt"]["count"]
            best[b] = min(best[b], cpu / requests[b])
        print(f"round {r + 1}/{rounds}", file=sys.stderr)
    for b in binaries:
        print(f"{best[b] * 1e9:7.0f} ns/request  ({requests[b]} requests)  {b}")
PY
