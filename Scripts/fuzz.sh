#!/usr/bin/env bash
# Runs one libFuzzer harness (Fuzz/Sources/TARGET) for SECONDS on its committed seed corpus,
# with AddressSanitizer. New interesting inputs go to a scratch corpus (not the committed one);
# a crash, leak or timeout stops the run, leaves crash-* / leak-* / timeout-* in Fuzz/artifacts/
# and exits non-zero. Prints libFuzzer's final stats (executions, corpus, coverage).
#
# Usage: Scripts/fuzz.sh TARGET SECONDS     (TARGET: FuzzNPY, FuzzNPZ, FuzzGzip, FuzzCSV, FuzzConfig,
#                                           FuzzFlowerWire, FuzzIDX, FuzzCIFAR, FuzzProfiles, FuzzNPYHeader; or "all")
#        Scripts/fuzz.sh --replay           (every corpus through the plain replayers: regression)
# Environment: FUZZ_SEED=N fixes libFuzzer's random seed (CI does, so a run is the same run each
# time; a crash found by a longer or unseeded run becomes a corpus file and a test).
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/../Fuzz"
targets=(FuzzNPY FuzzNPZ FuzzGzip FuzzCSV FuzzConfig FuzzFlowerWire FuzzIDX FuzzCIFAR FuzzProfiles FuzzNPYHeader)

if [ "${1:-}" = "--replay" ]; then
  swift build -q --build-path .build-replay
  for t in "${targets[@]}"; do
    echo "==> $t: $(.build-replay/debug/$t "Corpus/$t")"
  done
  exit 0
fi

target=${1:?usage: Scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: Scripts/fuzz.sh TARGET SECONDS}
if [ "$target" = all ]; then
  for t in "${targets[@]}"; do "$self" "$t" "$seconds"; done
  exit 0
fi
echo "==> building $target with -sanitize=fuzzer,address" >&2
swift build -q -c release --build-path .build-fuzz --product "$target" \
  -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address
scratch=$(mktemp -d /tmp/pollen-fuzz-$target.XXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p artifacts
echo "==> $target for $seconds s" >&2
# TOMLKit 0.6.0 leaks a few hundred bytes per parse in its C++ bridge (`TOMLTable.init(string:)`'s
# pointer, `tableGetKeys`'s array): harmless for a CLI that parses one file, fatal to a leak check.
leaks=1
if [ "$target" = FuzzConfig ]; then
  leaks=0
  export ASAN_OPTIONS=detect_leaks=0   # also LeakSanitizer's check at exit
fi
set +e
export SWIFT_BACKTRACE=enable=no   # let ASan and libFuzzer report a trap, not the Swift backtracer
seed=()
[ -n "${FUZZ_SEED:-}" ] && seed=(-seed="$FUZZ_SEED")
.build-fuzz/release/"$target" "$scratch" "Corpus/$target" "${seed[@]}" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=4096 -max_len=1048576 -detect_leaks=$leaks -artifact_prefix="artifacts/$target-" -print_final_stats=1 \
  >"$scratch.log" 2>&1
status=$?
set -e
grep -E "^(stat::|Done|#[0-9]+.*DONE|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)" "$scratch.log" || tail -20 "$scratch.log"
rm -f "$scratch.log"
exit "$status"
