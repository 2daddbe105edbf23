#!/usr/bin/env bash
# Side by side: the same unmodified Flower 1.41 SuperNodes and the same Flower app
# (Benchmarks/fleet_app: a ClientApp whose train returns the arrays + 1 with num-examples 10)
# against Flower's own `flower-superlink` running the app's ServerApp (Flower's Message-API
# FedAvg, fraction_train 1, no federated evaluation) and against `pollen server --fleet-address …
# --fab …` (Pollen's FedAvg, the same settings), in one run. For each server it prints:
#   s/round   seconds per round measured inside the server once every node is connected
#             (Pollen: history.json timings, fit + aggregate; Flower: the ServerApp's TimedFedAvg,
#             configure_train returned → aggregate_train returned)
#   peak RSS  Pollen: the server's VmHWM; Flower: the sum of the VmHWMs of the SuperLink's process
#             tree (flower-superlink, its flower-superexec and the flwr-serverapp it starts)
# and the ratios Flower / Pollen. The SuperNodes' own processes (each starts a flower-superexec
# and a flwr-clientapp) are the same for both servers and not counted.
#
# Usage: Benchmarks/compare_fleet.sh [--quick] [--nodes N] [--params P] [--layers L] [--rounds R]
#   defaults: 2 nodes, P = 1,000,000 float32 in 4 arrays, 3 rounds; --quick: P = 10,000, 2 rounds.
# Environment: PYTHON (default .venv/bin/python, created like Scripts/test.sh if missing),
#   POLLEN_BIN (default: a release build, `swift build -c release --product pollen`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

NODES=2
PARAMS=1000000
LAYERS=4
ROUNDS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) PARAMS=10000; ROUNDS=2 ;;
    --nodes) NODES=$2; shift ;;
    --params) PARAMS=$2; shift ;;
    --layers) LAYERS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
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
PY=$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")
BIN=$(dirname "$PY")
if [ -z "${POLLEN_BIN:-}" ]; then
  echo "==> swift build -c release --product pollen" >&2
  swift build -c release --product pollen >/dev/null
  POLLEN_BIN=$ROOT/.build/release/pollen
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pollen-compare-fleet.XXXXXX")
RESULTS=$WORK/results.tsv
: >"$RESULTS"
echo "==> logs and results in $WORK" >&2
export PATH="$BIN:$PATH"  # flower-supernode starts flower-superexec and flwr-clientapp from the venv

# free_port, wait_port
. Benchmarks/lib.sh
# kill_tree PID: SIGTERM to PID and everything below it, then SIGKILL what is left.
kill_tree() {
  local pids
  pids=$("$PY" -c 'import sys; sys.path.insert(0, "Benchmarks"); import server_probe; print(" ".join(map(str, server_probe.descendants(int(sys.argv[1])))))' "$1")
  kill $pids 2>/dev/null || true
  sleep 1
  kill -9 $pids 2>/dev/null || true
}

# The app, copied and built once: the same FAB for both servers (`flwr run` rebuilds the same
# bytes from the same directory).
cp -r Benchmarks/fleet_app "$WORK/app"
(cd "$WORK/app" && "$BIN/flwr" build >"$WORK/flwr-build.log" 2>&1)
FAB=$(ls "$WORK"/app/*.fab)
mv "$FAB" "$WORK/"
FAB=$WORK/$(basename "$FAB")
"$PY" - "$WORK/initial.npz" "$PARAMS" "$LAYERS" <<'PYEOF'
import sys, numpy as np
path, p, layers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sizes = [p // layers + (1 if i < p % layers else 0) for i in range(layers)]
np.savez(path, **{f"layer{i}": np.zeros(n, dtype=np.float32) for i, n in enumerate(sizes)})
PYEOF

# start_nodes DIR FLEET_PORT: NODES unmodified SuperNodes, each with its own FLWR_HOME and
# Runtime API port.
start_nodes() {
  local dir=$1 fleet=$2
  NODE_PIDS=()
  for i in $(seq 0 $((NODES - 1))); do
    mkdir -p "$dir/home-node-$i"
    FLWR_HOME="$dir/home-node-$i" "$BIN/flower-supernode" --insecure --superlink "127.0.0.1:$fleet" \
      --port "$(free_port)" --node-config "partition-id=$i" >"$dir/node-$i.log" 2>&1 &
    NODE_PIDS+=($!)
  done
}
stop_nodes() { for pid in "${NODE_PIDS[@]}"; do kill_tree "$pid"; wait "$pid" 2>/dev/null || true; done; }

run_flower() {
  local dir=$WORK/flower port
  mkdir -p "$dir/home-superlink" "$dir/home-cli"
  port=$(free_port)
  echo "==> flower-superlink + ServerApp FedAvg, $NODES SuperNodes, P = $PARAMS, $ROUNDS rounds" >&2
  "$PY" Benchmarks/server_probe.py --tree --stop-file "$dir/stop" --log "$dir/server.log" \
    --out "$dir/probe.json" --start "@never@" --end "@never@" --timeout 1800 -- \
    env FLWR_HOME="$dir/home-superlink" "$BIN/flower-superlink" --insecure --port "$port" \
    --disable-runtime-dependency-installation &
  local probe=$!
  wait_port "$port" 60 || echo "flower-superlink did not listen; see $dir/server.log" >&2
  start_nodes "$dir" "$port"
  printf '[superlink]\ndefault = "bench"\n\n[superlink.bench]\naddress = "127.0.0.1:%s"\ninsecure = true\n' \
    "$port" >"$dir/home-cli/config.toml"
  FLWR_HOME="$dir/home-cli" timeout 1800 "$BIN/flwr" run "$WORK/app" bench --stream --run-config \
    "num-server-rounds=$ROUNDS num-params=$PARAMS num-layers=$LAYERS min-nodes=$NODES timing-file=\"$dir/timings.json\"" \
    >"$dir/run.log" 2>&1 || echo "flwr run failed; see $dir/run.log" >&2
  touch "$dir/stop"
  wait "$probe" || true
  stop_nodes
}

run_pollen() {
  local dir=$WORK/pollen port fleet
  mkdir -p "$dir"
  port=$(free_port)
  fleet=$(free_port)
  echo "==> pollen server --fleet-address, $NODES SuperNodes, P = $PARAMS, $ROUNDS rounds" >&2
  "$PY" Benchmarks/server_probe.py --log "$dir/server.log" --out "$dir/probe.json" \
    --start "configure_fit: strategy sampled" --end "[SUMMARY] Run finished" --timeout 1800 -- \
    "$POLLEN_BIN" server --address "127.0.0.1:$port" --fleet-address "127.0.0.1:$fleet" --fab "$FAB" \
    --initial-parameters "$WORK/initial.npz" --min-clients "$NODES" --rounds "$ROUNDS" \
    --fraction-fit 1 --fraction-evaluate 0 --round-timeout 1200 --out "$dir/out" &
  local probe=$!
  wait_port "$fleet" 60 || echo "pollen server did not listen; see $dir/server.log" >&2
  start_nodes "$dir" "$fleet"
  wait "$probe" || true
  stop_nodes
}

run_flower
run_pollen

"$PY" - "$WORK" "$NODES" "$PARAMS" "$ROUNDS" <<'PYEOF'
import json, os, sys
work, nodes, params, rounds = sys.argv[1:]
rows = {}
for server in ("flower", "pollen"):
    d = os.path.join(work, server)
    probe = json.load(open(os.path.join(d, "probe.json")))
    per_round, note = None, ""
    if server == "pollen" and os.path.exists(os.path.join(d, "out/history.json")):
        t = json.load(open(os.path.join(d, "out/history.json")))["timings"]
        series = lambda name: [v for _, v in t[name]]
        phases = list(zip(series("fit_seconds"), series("aggregate_seconds"), series("evaluate_seconds")))
        per_round = sum(map(sum, phases)) / len(phases) if phases else None
    elif server == "flower" and os.path.exists(os.path.join(d, "timings.json")):
        t = json.load(open(os.path.join(d, "timings.json")))["rounds"]
        per_round = sum(r["round_seconds"] for r in t) / len(t) if t else None
    if per_round is None:
        note = "timed out" if probe["timed_out"] else f"no rounds recorded (exit {probe['exit']})"
    rows[server] = (per_round, probe["peak_rss_mb"], note)
head = ["server", "SuperNodes", "P", "rounds", "s/round", "peak RSS MB", "note"]
print(" | ".join(head))
print(" | ".join("---" for _ in head))
for server, (per_round, rss, note) in rows.items():
    name = "flower-superlink + ServerApp" if server == "flower" else "pollen server --fleet-address"
    print(" | ".join([name, nodes, params, rounds, "" if per_round is None else f"{per_round:.3f}", f"{rss:.0f}", note]))
print()
(fs, fr, _), (ps, pr, _) = rows["flower"], rows["pollen"]
s_ratio = f"{fs / ps:.1f}x" if fs and ps else "n/a"
r_ratio = f"{fr / pr:.1f}x" if fr and pr else "n/a"
print(f"Flower / Pollen: s/round {s_ratio}, peak RSS {r_ratio}")
PYEOF
