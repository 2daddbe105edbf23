#!/usr/bin/env bash
# Builds the DocC documentation of Pollen's modules (swift-docc-plugin) and fails if DocC warns
# about anything: a broken symbol link, an undocumented parameter, an article that clashes.
# (Plain `swift package generate-documentation` also documents every dependency, whose own
# warnings are not ours to fix.) Archives: .build/plugins/Swift-DocC/outputs/MODULE.doccarchive.
#
# Usage: Scripts/docs.sh [MODULE …]   (default: every library module)
set -euo pipefail
cd "$(dirname "$0")/.."
modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
  modules=(PollenCore PollenServer PollenClient PollenFlowerProto PollenFleetProto PollenFleet PollenPrivacy PollenGRPC PollenSimulation
    PollenData PollenNN PollenRecipes PollenStore PollenMetrics PollenConfig PollenTesting)
fi
args=()
for m in "${modules[@]}"; do args+=(--target "$m"); done
log=$(mktemp /tmp/pollen-docs.XXXXXX)
trap 'rm -f "$log"' EXIT
echo "==> swift package generate-documentation (${#modules[@]} modules)"
swift package generate-documentation "${args[@]}" >"$log" 2>&1 || { tail -40 "$log"; exit 1; }
warnings=$(grep -c '^warning:' "$log" || true)
if [ "$warnings" -gt 0 ]; then
  grep -A8 '^warning:' "$log"
  echo "==> DocC: $warnings warnings" >&2
  exit 1
fi
echo "==> DocC: ${#modules[@]} modules, no warnings (archives in .build/plugins/Swift-DocC/outputs/)"
