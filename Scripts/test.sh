#!/usr/bin/env bash
# Runs Pollen's whole test suite, the interop tests against the real Flower 1.41 peer included.
# Sets up what the tests need first: a Python virtual environment with flwr==1.41.0, numpy,
# Pillow, scikit-learn, kubernetes-validate and dp-accounting 0.6.0 (in .venv, reused when present; Pillow reads the
# report screenshots, scikit-learn is the Examples/python client's, kubernetes-validate holds the
# Kubernetes schemas Scripts/validate-deploy.py checks deploy/ against, offline) and a debug
# build of the `pollen` binary and the examples.
# Usage: Scripts/test.sh [extra `swift test` arguments, e.g. --filter PollenServerTests]
# Without arguments it runs the suite in three phases (see below): the bulk in parallel, then the
# in-process network tests, then the tests that must run alone (the network lab needs root and
# iproute2, as CI has). A failing phase repeats its failing tests' lines at its end; the
# next phases still run.
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

# Runs one `swift test` phase with its output teed to a log; when it fails, repeats the failing
# tests' lines at the end, so that the last lines of a long log (all a CI report may keep) name them.
run_phase() {
  local log status=0
  log=$(mktemp /tmp/pollen-test-log.XXXXXX)
  swift test "$@" 2>&1 | tee "$log" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "==> failed in this phase (swift test $*):"
    grep -E '^(✘|\S*error:|Test Case .* failed|.*: error: )' "$log" | grep -v 'known issue' | head -40 || true
  fi
  rm -f "$log"
  return "$status"
}

if [ $# -gt 0 ]; then
  echo "==> swift test $*"
  swift test "$@"
else
  # Three phases. The network-lab tests time real (shaped) links and run a dozen client
  # processes; with the rest of the suite beside them on a small machine, CPU starvation would
  # show up as link time (and their load would starve other tests' timeouts). The keepalive tests
  # run 500 ms pings with a 5 s answer limit, which a starved process misses. The privacy
  # accountant's PLD fixtures, the DP simulations and the dp baseline are CPU-heavy in a debug
  # build. They run last, alone.
  # The in-process gRPC tests (client and server in the test process) and the load-generator
  # tests wait for replies with limits; beside the CPU-bound tests (simulations, training), whose
  # synchronous work holds Swift's cooperative threads (as many as cores), a test that takes 1 s
  # alone took 110 s and missed them. They run second, among themselves (~30 s).
  alone='NetlabTests|Figure5BaselineTests|KeepaliveTests|AccountantTests|SimulationPrivacyTests|BaselineTests/dp'
  network='PollenGRPCTests|LoadGeneratorTests'
  echo "==> swift test (all but the network tests and the tests run alone)"
  failed=0
  run_phase --skip "$alone" --skip "$network" || failed=1
  echo "==> swift test (the in-process gRPC and load-generator tests)"
  run_phase --filter "$network" --skip "$alone" || failed=1
  echo "==> swift test (alone: the network lab, the Figure 5 baseline, keepalive and the CPU-heavy privacy tests)"
  run_phase --filter "$alone" || failed=1
  exit "$failed"
fi
