#!/usr/bin/env bash
# What moving a round's bytes costs on this machine, with nothing else done: K connections over
# loopback TCP, M bytes to each client and M back (Benchmarks/loopback_floor.c, plain read and
# write in C). Its CPU seconds per round bound any server's round from below when the clients
# share the machine: a round of (b) (K = 100, M = 4 MB: P = 1M float32) cannot take less than
# (server CPU + clients CPU) / cores, whatever the server does on top of moving the bytes.
# Prints the floor beside what compare_server.sh measures, so a ratio target can be checked
# against what the machine allows.
# Usage: Benchmarks/loopback_floor.sh [K] [BYTES] [ROUNDS] [REPS]   (default 100 4000000 6 3)
set -euo pipefail
cd "$(dirname "$0")/.."
K=${1:-100}
M=${2:-4000000}
R=${3:-6}
REPS=${4:-3}
out=$(mktemp -d /tmp/pollen-floor.XXXXXX)
trap 'rm -rf "$out"' EXIT
cc -O2 -o "$out/loopback_floor" Benchmarks/loopback_floor.c
cores=$(nproc)
echo "run | K | bytes each way | rounds | wall s/round (one connection at a time) | server CPU s/round | clients CPU s/round | floor s/round on $cores cores"
echo "--- | --- | --- | --- | --- | --- | --- | ---"
for rep in $(seq 1 "$REPS"); do
  read -r k m r wall server clients < <("$out/loopback_floor" "$K" "$M" "$R")
  floor=$(awk -v s="$server" -v c="$clients" -v n="$cores" 'BEGIN { printf "%.4f", (s + c) / n }')
  echo "$rep | $k | $m | $r | $wall | $server | $clients | $floor"
done
