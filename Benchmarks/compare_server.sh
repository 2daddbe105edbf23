#!/usr/bin/env bash
# Side by side: Flower 1.41's start_server vs `pollen server` (FedAvg, fraction-fit 1, no
# federated evaluation), with the same clients, in one run. For each case it prints, per server:
#   s/round     seconds per round measured inside the server from the moment all K clients are
#               connected (pollen: history.json timings, fit + aggregate + evaluate; Flower:
#               Benchmarks/flower_timed_server.py, configure_fit returned → round done)
#   2nd half    the same over the last half of the rounds (rounds R/2+1 … R): Flower's first
#               rounds are its slowest (K = 100, P = 1M: 4.2, 3.6, 2.5 s, then 0.8–1.2 s), so
#               this is the steady state; both servers' first round also warms up the clients
#   fit s       the fit phase of that (instructions out → aggregated)
#   CPU s/round server CPU (utime + stime, /proc/PID/stat) from round 1's start to the last
#               round's end, divided by the rounds (Benchmarks/server_probe.py)
#   load CPU s/round  the `pollen load` process's CPU (whole run, connecting included) / rounds
#   peak RSS    the server's VmHWM
# and the ratios Flower / Pollen.
# Cases: (a) K = 10 Flower Python clients, P = 1M (4 arrays); (b) `pollen load`, K = 100, P = 1M;
# (c) `pollen load`, K = 1,000, P = 100k; (d) `pollen load`, K = 10,000, P = 10k, 3 rounds
# (Flower's server admits 1,000 streams; the rest are refused: the table says what happened).
#
# Usage: Benchmarks/compare_server.sh [--quick] [--cases a,b,c,d] [--rounds R (default 6; (d): at most 3)] [--flower-timeout S]
#   --quick: small K and P (a smoke test of the script, a minute or two).
# Environment: PYTHON (default .venv/bin/python, created like Scripts/test.sh if missing),
#   POLLEN_BIN (default: a release build, `swift build -c release --product pollen`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

QUICK=0
CASES=a,b,c,d
ROUNDS=6
FLOWER_TIMEOUT=300
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --cases) CASES=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --flower-timeout) FLOWER_TIMEOUT=$2; shift ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

PY=${PYTHON:-.venv/bin/python}
if [ -z "${PYTHON:-}" ] && ! .venv/bin/python -c 'import flwr, numpy; assert flwr.__version__ == "1.41.0"' 2>/dev/null; then
  echo "==> creating .venv with flwr==1.41.0" >&2
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check flwr==1.41.0 numpy
fi
if [ -z "${POLLEN_BIN:-}" ]; then
  echo "==> swift build -c release --product pollen" >&2
  swift build -c release --product pollen >/dev/null
  POLLEN_BIN=$ROOT/.build/release/pollen
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ "$QUICK" = 1 ]; then
  A=(4 20000) B=(10 100000) C=(50 10000) D=(300 1000)
else
  A=(10 1000000) B=(100 1000000) C=(1000 100000) D=(10000 10000)
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pollen-compare-server.XXXXXX")
RESULTS=$WORK/results.tsv
: >"$RESULTS"
echo "==> logs and results in $WORK" >&2

# free_port, wait_port
. Benchmarks/lib.sh

# start_clients KIND K P PORT DIR: Flower Python clients ("python") or one `pollen load` ("load").
start_clients() {
  local kind=$1 k=$2 p=$3 port=$4 dir=$5
  CLIENT_PIDS=()
  if [ "$kind" = python ]; then
    for i in $(seq 1 "$k"); do
      "$PY" Benchmarks/flower_bench_client.py --server "127.0.0.1:$port" --params "$p" --layers 4 \
        >"$dir/client-$i.log" 2>&1 &
      CLIENT_PIDS+=($!)
    done
  else
    # /usr/bin/time (when there) records the load generator's CPU: the clients' share of the machine.
    local timer=()
    [ -x /usr/bin/time ] && timer=(/usr/bin/time -o "$dir/load-cpu.txt" -f "%U %S")
    "${timer[@]}" "$POLLEN_BIN" load --server "127.0.0.1:$port" --clients "$k" --params "$p" --layers 4 \
      --connect-timeout 60 >"$dir/load.log" 2>&1 &
    CLIENT_PIDS+=($!)
  fi
}

# stop_clients SECONDS: waits for the clients, then kills the ones still running.
stop_clients() {
  local deadline=$((SECONDS + $1))
  for pid in "${CLIENT_PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    pkill -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# run_case CASE SERVER KIND K P
run_case() {
  local case=$1 server=$2 kind=$3 k=$4 p=$5
  local dir=$WORK/$case-$server port
  mkdir -p "$dir"
  port=$(free_port)
  echo "==> ($case) $server, $kind clients, K = $k, P = $p, $ROUNDS rounds" >&2
  local timeout=$((FLOWER_TIMEOUT > 600 ? FLOWER_TIMEOUT : 600))
  if [ "$server" = pollen ]; then
    "$PY" Benchmarks/server_probe.py --log "$dir/server.log" --out "$dir/probe.json" \
      --start "configure_fit: strategy sampled" --end "[SUMMARY] Run finished" --timeout "$timeout" -- \
      "$POLLEN_BIN" server --address "127.0.0.1:$port" --min-clients "$k" --rounds "$ROUNDS" \
      --fraction-fit 1 --fraction-evaluate 0 --round-timeout 600 --out "$dir/out" &
  else
    "$PY" Benchmarks/server_probe.py --log "$dir/server.log" --out "$dir/probe.json" \
      --start "BENCH rounds start" --end "BENCH rounds end" --timeout "$FLOWER_TIMEOUT" -- \
      "$PY" Benchmarks/flower_timed_server.py --port "$port" --clients "$k" --rounds "$ROUNDS" \
      --round-timeout 600 --out "$dir/timings.json" &
  fi
  local probe=$!
  if ! wait_port "$port" 60; then echo "server did not listen; see $dir/server.log" >&2; fi
  start_clients "$kind" "$k" "$p" "$port" "$dir"
  wait "$probe" || true
  stop_clients 30
  local summary=""
  [ -f "$dir/load.log" ] && summary=$(grep '^pollen load:' "$dir/load.log" | tail -1 || true)
  "$PY" - "$case" "$server" "$kind" "$k" "$p" "$ROUNDS" "$dir" "$summary" >>"$RESULTS" <<'EOF'
import json, os, sys
case, server, kind, k, p, rounds, d, summary = sys.argv[1:]
probe = json.load(open(os.path.join(d, "probe.json")))
per_round = fit = steady = None
note = ""
if server == "pollen" and os.path.exists(os.path.join(d, "out/history.json")):
    t = json.load(open(os.path.join(d, "out/history.json")))["timings"]
    series = lambda name: [v for _, v in t[name]]
    phases = zip(series("fit_seconds"), series("aggregate_seconds"), series("central_evaluate_seconds"), series("evaluate_seconds"))
    rounds_s = [sum(x) for x in phases]
    per_round = sum(rounds_s) / len(rounds_s)
    tail = rounds_s[len(rounds_s) // 2:]
    steady = sum(tail) / len(tail) if tail else None
    fit = sum(a + b for a, b in zip(series("fit_seconds"), series("aggregate_seconds"))) / len(rounds_s)
elif server == "flower" and os.path.exists(os.path.join(d, "timings.json")):
    t = json.load(open(os.path.join(d, "timings.json")))["rounds"]
    if t:
        per_round = sum(r["round_seconds"] for r in t) / len(t)
        tail = t[len(t) // 2:]
        steady = sum(r["round_seconds"] for r in tail) / len(tail)
        fit = sum(r["fit_seconds"] for r in t) / len(t)
if per_round is None:
    note = "timed out" if probe["timed_out"] else f"exit {probe['exit']}"
    note += ", rounds never started" if not probe["started"] else ", did not finish"
if summary:
    import re
    m = re.search(r"(\d+) connected .*?(\d+) fits.*?(\d+) failures( \(([^)]*)\))?", summary)
    if m and (per_round is None or int(m.group(3))):
        note += f"; load: {m.group(1)} connected, {m.group(2)} fits, {m.group(3)} failures" + (f" ({m.group(5)})" if m.group(5) else "")
cpu = probe["cpu_seconds"] / int(rounds) if probe["cpu_seconds"] is not None else None
load_cpu = None
try:
    load_cpu = sum(map(float, open(os.path.join(d, "load-cpu.txt")).read().split()[-2:])) / int(rounds)
except (OSError, ValueError):
    pass
fmt = lambda x: "" if x is None else f"{x:.4f}"
print("\t".join([case, server, kind, k, p, rounds, fmt(per_round), fmt(steady), fmt(fit), fmt(cpu), fmt(load_cpu), f"{probe['peak_rss_mb']:.0f}", note.strip("; ,")]))
EOF
}

for c in ${CASES//,/ }; do
  case $c in
    a) run_case a flower python "${A[@]}"; run_case a pollen python "${A[@]}" ;;
    b) run_case b flower load "${B[@]}"; run_case b pollen load "${B[@]}" ;;
    c) run_case c flower load "${C[@]}"; run_case c pollen load "${C[@]}" ;;
    d) # The issue's case (d) is 3 rounds (at most --rounds).
      all_rounds=$ROUNDS; ROUNDS=$((ROUNDS < 3 ? ROUNDS : 3))
      run_case d pollen load "${D[@]}"; run_case d flower load "${D[@]}"
      ROUNDS=$all_rounds ;;
    *) echo "unknown case $c" >&2; exit 2 ;;
  esac
done

"$PY" - "$RESULTS" <<'EOF'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
head = ["case", "server", "clients", "K", "P", "rounds", "s/round", "2nd half", "fit s/round", "CPU s/round", "load CPU s/round", "peak RSS MB", "note"]
print(" | ".join(head))
print(" | ".join("---" for _ in head))
for r in rows:
    print(" | ".join(r))
print()
by = {(r[0], r[1]): r for r in rows}
for case in sorted({r[0] for r in rows}):
    f, p = by.get((case, "flower")), by.get((case, "pollen"))
    if not f or not p or not f[6] or not p[6]:
        if f and p:
            print(f"({case}) Flower / Pollen: no ratio, a server did not finish its rounds ({f[12] or p[12]})")
        continue
    def ratio(i):
        try:
            return f"{float(f[i]) / float(p[i]):.1f}x"
        except (ValueError, ZeroDivisionError):
            return "n/a"
    print(f"({case}) Flower / Pollen: s/round {ratio(6)} ({ratio(7)} over the last half of the rounds), CPU/round {ratio(9)}, peak RSS {ratio(11)}")
EOF
