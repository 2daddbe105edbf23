#!/usr/bin/env bash
# FedAvg's aggregation kernel beside numpy and Flower, on the same sizes, in one run:
#   pollen  `pollen bench aggregate` (release build): K float32 updates of P parameters, decoded
#           from .npy, folded into the in-place running weighted sum, then divided;
#   numpy   numpy's streaming read bandwidth: `x.sum()` over the same K float32 arrays (one core),
#           and, for reference, `np.add(acc, x, out=acc)` into a float32 accumulator;
#   flower  Flower 1.41's `aggregate_inplace` over K FitRes holding the same arrays (its .npy
#           decoding of each update included, as in a round).
# GB/s count the K·P·4 bytes of updates read; every figure is the best of REPS repetitions.
# Usage: Benchmarks/compare_aggregate.sh [PYTHON]   (default .venv/bin/python, with flwr==1.41.0)
#        SIZES="10x1M 100x1M 10x10M 25x10M" REPS=5 to change the sizes (KxP, P may end in k or M);
#        POLLEN=path/to/pollen to use a binary already built (default: build the release product).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
SIZES=${SIZES:-"10x1M 100x1M 10x10M 25x10M"}
REPS=${REPS:-5}
"$PY" -c 'import flwr, numpy' 2>/dev/null || {
  echo "needs numpy and flwr==1.41.0 in $PY (Scripts/test.sh creates .venv)" >&2
  exit 1
}
if [ -z "${POLLEN:-}" ]; then
  swift build -c release --product pollen >/dev/null
  POLLEN=.build/release/pollen
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for size in $SIZES; do
  k=${size%%x*}
  p=${size#*x}
  case $p in
  *k) p=$(("${p%k}" * 1000)) ;;
  *M) p=$(("${p%M}" * 1000000)) ;;
  esac
  "$POLLEN" bench aggregate --clients "$k" --params "$p" --repeat "$REPS" >>"$out/pollen.txt"
done
# numpy's own threading settings only; OpenBLAS is not involved in these loops.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" Benchmarks/aggregate_numpy.py --reps "$REPS" $SIZES >"$out/numpy.txt"
cat "$out/pollen.txt"
python3 - "$out/pollen.txt" "$out/numpy.txt" <<'PY'
import re, sys
pollen = {}
for line in open(sys.argv[1]):
    m = re.search(r"clients=(\d+) params=(\d+) .*-> ([0-9.]+) s = ([0-9.]+) GB/s", line)
    if m:
        pollen[f"{m.group(1)}x{m.group(2)}"] = (float(m.group(3)), float(m.group(4)))
rows = [line.split() for line in open(sys.argv[2]) if re.match(r"\d+x\d+\s", line)]
print(f"{'K x P':>12} {'pollen':>8} {'numpy read':>10} {'numpy add':>9} {'flower':>8}"
      f" {'pollen/numpy':>12} {'pollen/flower':>13}   (GB/s of float32 updates)")
worst = None
for size, read, add, flower in rows:
    if size not in pollen:
        continue
    p = pollen[size][1]
    read, add, flower = float(read), float(add), float(flower)
    ratio = p / read
    worst = ratio if worst is None else min(worst, ratio)
    print(f"{size:>12} {p:8.2f} {read:10.2f} {add:9.2f} {flower:8.2f} {ratio:12.2f} {p / flower:13.2f}")
if worst is not None:
    verdict = "met" if worst >= 0.7 else "NOT met"
    print(f"target pollen >= 0.7x numpy's streaming read (x.sum()): {verdict} (lowest ratio {worst:.2f})")
PY
