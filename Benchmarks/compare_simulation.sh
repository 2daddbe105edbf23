#!/usr/bin/env bash
# Runs `pollen bench simulate` and Flower 1.41's start_simulation on the same workload, one after
# the other in the same run, and prints the ratio of client-rounds per second.
# Usage: Benchmarks/compare_simulation.sh [PYTHON] (default .venv/bin/python; needs flwr[simulation]==1.41.0)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
ARGS=(--clients 1000 --fraction 0.1 --rounds 10 --parameters 10000)
"$PY" -c 'import ray' 2>/dev/null || "$PY" -m pip install --quiet "flwr[simulation]==1.41.0"
swift build -c release --product pollen >/dev/null
pollen_line=$(.build/release/pollen bench simulate "${ARGS[@]}" --repeat 3)
flower_line=$("$PY" Benchmarks/flower_simulation.py "${ARGS[@]}" --cpus "$(nproc)" 2>/dev/null | grep '^flower')
echo "$pollen_line"
echo "$flower_line"
p=$(sed -E 's/.*= ([0-9.]+) client-rounds\/s.*/\1/' <<<"$pollen_line")
f=$(sed -E 's/.*= ([0-9.]+) client-rounds\/s.*/\1/' <<<"$flower_line")
python3 -c "print(f'ratio pollen/flower: {float(\"$p\")/float(\"$f\"):.1f}x')"
