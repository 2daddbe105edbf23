#!/usr/bin/env bash
# PollenNN's matmul and numpy's float32 matmul on the same shapes, in the same run, with ratios
# (best of 20 products each).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product pollen >/dev/null
.build/release/pollen bench matmul --repetitions 20 > /tmp/pollen-matmul.txt
python3 Benchmarks/matmul_numpy.py --reps 20 > /tmp/numpy-matmul.txt
python3 - <<'PY'
import re
p = {m.group(1): float(m.group(2)) for m in re.finditer(r"(\d+x\d+x\d+): ([0-9.]+) GFLOP/s", open("/tmp/pollen-matmul.txt").read())}
n = {}
for line in open("/tmp/numpy-matmul.txt"):
    parts = line.split()
    if len(parts) >= 2 and re.match(r"\d+x\d+x\d+$", parts[0]):
        n[parts[0]] = float(parts[1])
print(f"{'shape':>16} {'pollen':>9} {'numpy':>9} {'ratio':>6}")
for s in p:
    if s in n:
        print(f"{s:>16} {p[s]:9.2f} {n[s]:9.2f} {p[s]/n[s]:6.2f}")
PY
