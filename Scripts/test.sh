#!/usr/bin/env bash
# Runs Pollen's whole test suite, the interop tests against the real Flower 1.41 peer included.
# Sets up what the tests need first: a Python virtual environment with flwr==1.41.0, numpy,
# Pillow, scikit-learn, kubernetes-validate and dp-accounting 0.6.0 (in .venv, reused when present; Pillow reads the
# report screenshots, scikit-learn is the Examples/python client's, kubernetes-validate holds the
# Kubernetes schemas Scripts/validate-deploy.py checks deploy/ against, offline) and a debug
# build of the `pollen` binary and the examples.
# Usage: Scripts/test.sh [extra `swift test` arguments, e.g. --filter PollenServerTests]
# Without arguments it runs the suite in two parts: everything but the network-lab tests, then
# those alone (they need root and iproute2, as CI has).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${POLLEN_PYTHON:-}" ]; then
  if ! .venv/bin/python -c 'import flwr, numpy, PIL, sklearn, kubernetes_validate, dp_accounting; assert flwr.__version__ == "1.41.0"' 2>/dev/null; then
    echo "==> creating .venv with flwr==1.41.0 (the reference peer)"
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check flwr==1.41.0 numpy pillow scikit-learn kubernetes-validate dp-accounting==0.6.0
  fi
  export POLLEN_PYTHON="$PWD/.venv/bin/python"
fi

echo "==> swift build (the pollen binary and the examples the interop tests run)"
swift build
export POLLEN_BIN="${POLLEN_BIN:-$PWD/.build/debug/pollen}"

if [ $# -gt 0 ]; then
  echo "==> swift test $*"
  swift test "$@"
else
  # The network-lab tests time real (shaped) links and run a dozen client processes; with the
  # rest of the suite beside them on a small machine, CPU starvation would show up as link time
  # (and their load would starve other tests' timeouts). The keepalive tests run 500 ms pings with
  # a 5 s answer limit, which a starved process misses. The privacy accountant's PLD fixtures, the
  # DP simulations and the dp baseline are CPU-heavy in a debug build: beside them the gRPC tests'
  # 10 s reply limits were missed. They run after the rest, alone.
  alone='NetlabTests|Figure5BaselineTests|KeepaliveTests|AccountantTests|SimulationPrivacyTests|BaselineTests/dp'
  echo "==> swift test (all but the tests run alone)"
  swift test --skip "$alone"
  echo "==> swift test (alone: the network lab, the Figure 5 baseline, keepalive and the CPU-heavy privacy tests)"
  swift test --filter "$alone"
fi
