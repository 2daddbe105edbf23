#!/usr/bin/env bash
# Regenerates the Swift messages of Flower 1.41's Fleet API (package visibility) in
# Sources/PollenFleetProto/Generated/ from proto/flwr/proto/{fleet,heartbeat,node,run,fab,message,
# error,recorddict}.proto.
#
# The .proto files themselves come from the flwr wheel (which ships only compiled descriptors):
#   Scripts/fleet-proto-from-wheel.py    writes them from flwr/proto/*_pb2.py
#   Scripts/check-fleet-proto.py         compares them with the wheel, field by field
# This script runs the check whenever POLLEN_PYTHON (or .venv/bin/python) has flwr; pass --from-wheel
# to rewrite the .proto files from the wheel first.
#
# transport.proto (Scalar, imported by run.proto and message.proto) is not generated again: its
# Swift types live in PollenFlowerProto (Scripts/generate-proto.sh), and a ProtoPathModuleMappings
# file makes the generated code `import PollenFlowerProto`, so no Swift type exists twice.
#
# Uses protoc-gen-swift 1.39.0 from .build-protoc/ (git-ignored); builds it there, as
# Scripts/generate-proto.sh does, only when it is missing. protoc is Debian's protobuf-compiler.
#
# Usage: Scripts/generate-fleet-proto.sh [--from-wheel]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRATCH="$ROOT/.build-protoc"
OUT="$ROOT/Sources/PollenFleetProto/Generated"
FILES=(fleet heartbeat node run fab message error recorddict)
PY="${POLLEN_PYTHON:-$ROOT/.venv/bin/python}"
have_flwr() { [ -x "$PY" ] && "$PY" -c "import flwr" 2>/dev/null; }

command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }

if [ "${1:-}" = "--from-wheel" ]; then
  have_flwr || { echo "--from-wheel needs a python with flwr==1.41.0 (POLLEN_PYTHON or .venv)" >&2; exit 1; }
  "$PY" "$ROOT/Scripts/fleet-proto-from-wheel.py" "$ROOT/proto"
fi

PLUGIN="$SCRATCH/plugins/.build/release/protoc-gen-swift"
if ! [ -x "$PLUGIN" ] || [ "$("$PLUGIN" --version)" != "protoc-gen-swift 1.39.0" ]; then
  mkdir -p "$SCRATCH/plugins/Sources/placeholder"
  cat >"$SCRATCH/plugins/Package.swift" <<'SWIFT'
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
  name: "plugins",
  dependencies: [
    .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "2.4.1"),
  ],
  targets: [.target(name: "placeholder")]
)
SWIFT
  echo "// placeholder" >"$SCRATCH/plugins/Sources/placeholder/placeholder.swift"
  echo "building protoc-gen-swift (release)…" >&2
  (cd "$SCRATCH/plugins" && swift build -c release --product protoc-gen-swift >&2)
  PLUGIN="$(cd "$SCRATCH/plugins" && swift build -c release --show-bin-path)/protoc-gen-swift"
fi

MAPPINGS="$SCRATCH/fleet-module-mappings.asciipb"
mkdir -p "$SCRATCH" "$OUT"
echo 'mapping { module_name: "PollenFlowerProto" proto_file_path: "flwr/proto/transport.proto" }' >"$MAPPINGS"

PROTOS=()
for f in "${FILES[@]}"; do PROTOS+=("flwr/proto/$f.proto"); done
rm -f "$OUT"/*.pb.swift
cd "$ROOT/proto"
log="$SCRATCH/fleet-protoc.log"
status=0
protoc "${PROTOS[@]}" \
  --plugin=protoc-gen-swift="$PLUGIN" \
  --swift_opt=Visibility=Package,FileNaming=DropPath,ProtoPathModuleMappings="$MAPPINGS" \
  --swift_out="$OUT" 2>"$log" || status=$?
# Flower's own files import what they do not use (message.proto: node, transport); not ours to fix.
grep -v 'is unused\.$' "$log" >&2 || true
[ "$status" -eq 0 ] || exit "$status"
echo "wrote $(cd "$OUT" && ls | tr '\n' ' ')" >&2

if have_flwr; then
  protoc --include_imports flwr/proto/fleet.proto --descriptor_set_out="$SCRATCH/fleet.pb"
  "$PY" "$ROOT/Scripts/check-fleet-proto.py" "$SCRATCH/fleet.pb" >&2
else
  echo "note: no python with flwr at $PY; skipped the check against Flower's descriptors" >&2
fi
