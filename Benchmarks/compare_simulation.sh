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
flower_out=$("$PY" Benchmarks/flower_simulation.py "${ARGS[@]}" --cpus "$(nproc)" 2>/dev/null | grep '^flower')
flower_line=$(grep '^flower start_simulation' <<<"$flower_out")
flower_rounds=$(grep '^flower rounds only' <<<"$flower_out")
echo "$pollen_line"
echo "$flower_out"
rate() { sed -E 's/.*= ([0-9.]+) client-rounds\/s.*/\1/' <<<"$1"; }
p=$(rate "$pollen_line")
f=$(rate "$flower_line")
fr=$(rate "$flower_rounds")
python3 -c "print(f'ratio pollen/flower: {float(\"$p\")/float(\"$f\"):.1f}x (Ray start-up included), {float(\"$p\")/float(\"$fr\"):.1f}x (rounds only)')"
