#!/usr/bin/env bash
# Regenerates the code for proto/flwr/proto/transport.proto: the messages (package visibility) in
# Sources/PollenFlowerProto/Generated/, the gRPC service stubs (internal) in
# Sources/PollenGRPC/Generated/, which import the messages' module.
#
# Builds the two protoc plugins in release from the Swift package mirror (protoc-gen-swift from
# swift-protobuf, protoc-gen-grpc-swift-2 from grpc-swift-protobuf) in .build-protoc/ (git-ignored),
# then runs protoc (Debian's protobuf-compiler). Takes about a minute the first time.
# If POLLEN_PYTHON (or .venv/bin/python) has flwr installed, also checks that the .proto matches
# Flower's compiled descriptor exactly.
#
# Usage: Scripts/generate-proto.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRATCH="$ROOT/.build-protoc"
MESSAGES_OUT="$ROOT/Sources/PollenFlowerProto/Generated"
SERVICE_OUT="$ROOT/Sources/PollenGRPC/Generated"
GRPC_PROTOBUF_VERSION="2.4.1"

command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }

# A tiny package whose only job is to build the plugins of the pinned versions.
mkdir -p "$SCRATCH/plugins/Sources/placeholder"
cat >"$SCRATCH/plugins/Package.swift" <<SWIFT
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
  name: "plugins",
  dependencies: [
    .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "$GRPC_PROTOBUF_VERSION"),
  ],
  targets: [.target(name: "placeholder")]
)
SWIFT
echo "// placeholder" >"$SCRATCH/plugins/Sources/placeholder/placeholder.swift"

echo "building protoc plugins (release)…" >&2
(
  cd "$SCRATCH/plugins"
  swift build -c release --product protoc-gen-swift >&2
  swift build -c release --product protoc-gen-grpc-swift-2 >&2
)
BIN="$(cd "$SCRATCH/plugins" && swift build -c release --show-bin-path)"

mkdir -p "$MESSAGES_OUT" "$SERVICE_OUT"
cd "$ROOT/proto"
protoc flwr/proto/transport.proto \
  --plugin=protoc-gen-swift="$BIN/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift-2="$BIN/protoc-gen-grpc-swift-2" \
  --swift_opt=Visibility=Package,FileNaming=DropPath \
  --swift_out="$MESSAGES_OUT" \
  --grpc-swift-2_opt=Visibility=Internal,Server=true,Client=true,FileNaming=DropPath,ExtraModuleImports=PollenFlowerProto \
  --grpc-swift-2_out="$SERVICE_OUT"
echo "wrote $(ls "$MESSAGES_OUT" "$SERVICE_OUT" | tr '\n' ' ')" >&2

PY="${POLLEN_PYTHON:-$ROOT/.venv/bin/python}"
if [ -x "$PY" ] && "$PY" -c "import flwr" 2>/dev/null; then
  protoc flwr/proto/transport.proto --descriptor_set_out="$SCRATCH/transport.pb"
  "$PY" "$ROOT/Scripts/check-proto.py" "$SCRATCH/transport.pb" >&2
else
  echo "note: no python with flwr at $PY; skipped the check against Flower's descriptor" >&2
fi
