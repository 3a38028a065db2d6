#!/usr/bin/env bash
# CPU time per simulated request of several hsmsim binaries, measured side by side.
#
#   scripts/perf-compare.sh [-n ROUNDS] HSMSIM [HSMSIM ...]
#
# Runs the `hsmsim bench e2e` scenario at 1 KiB for 10 s of virtual time (2,000,128 Encrypt
# requests) with each binary in turn, ROUNDS times (default 10), and prints for each the
# minimum CPU time (user + system of the child) per request in ns. Rounds interleave the
# binaries, so drift of the machine hits all of them alike; the minimum is the run least
# disturbed by other work. Use it to compare a change against a binary built from the commit
# before (copy build/hsmsim aside first): builds of equivalent code can differ by up to 20 ns
# a request through code layout alone, so a difference below that needs a second look.
set -euo pipefail
cd "$(dirname "$0")/.."

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
import os, resource, subprocess, sys, tempfile

rounds = int(sys.argv[1])
binaries = sys.argv[2:]
requests = 2_000_128  # what the scenario below offers (Poisson 200,000/s for 10 s, seed 1)
scenario = """version: 1
name: perf-compare
until: 11s
quotas: {key_store_rps: unlimited, account_rps: unlimited}
hsm: {service_time: {exponential: {mean: 10us}}, concurrency: 4, routing: round_robin}
network: {rtt: 100us}
timing: {api_rtt: 200us}
world:
  clusters:
    - name: c1
      azs: [us-east-1a, us-east-1b]
      state: ACTIVE
      hsms: [us-east-1a, us-east-1b]
      users: [{name: kmsuser, role: CU, password: benchPassw0rd}]
  key_stores:
    - {name: ks1, cluster: c1, password: benchPassw0rd, state: CONNECTED}
  keys:
    - {name: k1, key_store: ks1}
invariants: []
workloads:
  - name: encrypt
    arrivals: {poisson: 200000/s}
    stop: 10s
    keys: [k1]
    mix: {Encrypt: 1}
    plaintext_bytes: 1024
    encryption_context: {app: bench}
"""
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "e2e.yaml")
    with open(path, "w") as f:
        f.write(scenario)
    best = {b: float("inf") for b in binaries}
    for r in range(rounds):
        for b in binaries:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([b, "run", path, "--quiet"], check=True, stdout=subprocess.DEVNULL)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            best[b] = min(best[b], cpu)
        print(f"round {r + 1}/{rounds}", file=sys.stderr)
    for b in binaries:
        print(f"{best[b] / requests * 1e9:7.0f} ns/request  {b}")
PY
