"""Writes the .proto files of Flower's Fleet API from the descriptors compiled into the wheel.

Usage: python Scripts/fleet-proto-from-wheel.py [OUT_DIR]   (default: proto/)

The flwr wheel ships no .proto sources, only `flwr/proto/*_pb2.py`, whose `DESCRIPTOR` holds each
file's serialized FileDescriptorProto. This script loads `flwr.proto.fleet_pb2` and every file it
imports (heartbeat, node, run, fab, message, error, recorddict, transport), and prints each one
except transport.proto (committed by hand, checked by Scripts/check-proto.py, generated into
PollenFlowerProto) back as proto3 source under OUT_DIR/flwr/proto/. Only the features these files
use are supported (messages, nested messages, maps, oneofs, proto3 `optional`, services); anything
else stops the script, so a newer Flower cannot be written out half right. Scripts/check-fleet-proto.py
compares what protoc reads back with the wheel, field by field.

Needs flwr==1.41.0 in the interpreter.
"""
import importlib
import os
import sys

import flwr
from google.protobuf import descriptor_pb2

FLOWER_VERSION = "1.41.0"
ROOT_FILE = "flwr/proto/fleet.proto"
# Generated elsewhere (Sources/PollenFlowerProto) from the hand-written proto/flwr/proto/transport.proto.
SKIPPED = {"flwr/proto/transport.proto"}
PACKAGE = "flwr.proto"

SCALAR_NAMES = {
    descriptor_pb2.FieldDescriptorProto.TYPE_DOUBLE: "double",
    descriptor_pb2.FieldDescriptorProto.TYPE_FLOAT: "float",
    descriptor_pb2.FieldDescriptorProto.TYPE_INT64: "int64",
    descriptor_pb2.FieldDescriptorProto.TYPE_UINT64: "uint64",
    descriptor_pb2.FieldDescriptorProto.TYPE_INT32: "int32",
    descriptor_pb2.FieldDescriptorProto.TYPE_FIXED64: "fixed64",
    descriptor_pb2.FieldDescriptorProto.TYPE_FIXED32: "fixed32",
    descriptor_pb2.FieldDescriptorProto.TYPE_BOOL: "bool",
    descriptor_pb2.FieldDescriptorProto.TYPE_STRING: "string",
    descriptor_pb2.FieldDescriptorProto.TYPE_BYTES: "bytes",
    descriptor_pb2.FieldDescriptorProto.TYPE_UINT32: "uint32",
    descriptor_pb2.FieldDescriptorProto.TYPE_SFIXED32: "sfixed32",
    descriptor_pb2.FieldDescriptorProto.TYPE_SFIXED64: "sfixed64",
    descriptor_pb2.FieldDescriptorProto.TYPE_SINT32: "sint32",
    descriptor_pb2.FieldDescriptorProto.TYPE_SINT64: "sint64",
}
F = descriptor_pb2.FieldDescriptorProto


def file_proto(name):
    """The wheel's FileDescriptorProto of `flwr/proto/X.proto`."""
    module = importlib.import_module("flwr.proto.%s_pb2" % os.path.basename(name)[: -len(".proto")])
    proto = descriptor_pb2.FileDescriptorProto()
    module.DESCRIPTOR.CopyToProto(proto)
    return proto


def fleet_files():
    """fleet.proto and everything it imports, dependencies first."""
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        proto = file_proto(name)
        for dep in proto.dependency:
            visit(dep)
        order.append(proto)

    visit(ROOT_FILE)
    return order


def fail(what):
    sys.exit("fleet-proto-from-wheel: unsupported descriptor feature: %s" % what)


def type_ref(type_name, scope):
    """A type name relative to the package (and to the enclosing message for its own nested types)."""
    prefix = "." + PACKAGE + "."
    if not type_name.startswith(prefix):
        fail("type outside %s: %s" % (PACKAGE, type_name))
    name = type_name[len(prefix) :]
    if scope and name.startswith(scope + "."):
        return name[len(scope) + 1 :]
    return name


def field_type(field, scope):
    if field.type in (F.TYPE_MESSAGE, F.TYPE_ENUM):
        return type_ref(field.type_name, scope)
    if field.type not in SCALAR_NAMES:
        fail("field type %d" % field.type)
    return SCALAR_NAMES[field.type]


def check_field(field, where):
    for attribute in ("default_value", "extendee", "options"):
        if field.HasField(attribute):
            fail("%s on %s" % (attribute, where))
    if field.label == F.LABEL_REQUIRED:
        fail("required field %s" % where)


def message_lines(message, indent, scope):
    """Proto source of one message (recursively its nested messages)."""
    pad = "  " * indent
    full = (scope + "." if scope else "") + message.name
    for attribute in ("options",):
        if message.HasField(attribute):
            fail("%s on message %s" % (attribute, full))
    if message.enum_type or message.extension or message.extension_range or message.reserved_range:
        fail("enums, extensions or reserved ranges in %s" % full)
    map_entries = {}
    lines = [pad + "message %s {" % message.name]
    for nested in message.nested_type:
        if nested.options.map_entry:
            map_entries["%s.%s" % (full, nested.name)] = nested
        else:
            lines += message_lines(nested, indent + 1, full)
    if map_entries and len(map_entries) != len(message.nested_type):
        fail("maps and nested messages together in %s" % full)

    def field_line(field, inner_pad, in_oneof):
        check_field(field, "%s.%s" % (full, field.name))
        label = ""
        entry = map_entries.get(field.type_name[1 + len(PACKAGE) + 1 :]) if field.type_name else None
        if entry is not None:
            key, value = entry.field
            kind = "map<%s, %s>" % (field_type(key, full), field_type(value, full))
        else:
            kind = field_type(field, full)
            if field.label == F.LABEL_REPEATED:
                label = "repeated "
            elif field.proto3_optional:
                label = "optional "
        if in_oneof and label:
            fail("labelled field in a oneof: %s" % field.name)
        return "%s%s%s %s = %d;" % (inner_pad, label, kind, field.name, field.number)

    synthetic = {f.oneof_index for f in message.field if f.HasField("oneof_index") and f.proto3_optional}
    written_oneofs = set()
    fields = list(message.field)
    for i, field in enumerate(fields):
        if field.HasField("oneof_index") and field.oneof_index not in synthetic:
            index = field.oneof_index
            if index in written_oneofs:
                continue
            members = [j for j, f in enumerate(fields) if f.HasField("oneof_index") and f.oneof_index == index]
            if members != list(range(members[0], members[-1] + 1)):
                fail("oneof %s is not contiguous in %s" % (message.oneof_decl[index].name, full))
            if message.oneof_decl[index].HasField("options"):
                fail("oneof options in %s" % full)
            written_oneofs.add(index)
            lines.append(pad + "  oneof %s {" % message.oneof_decl[index].name)
            lines += [field_line(fields[j], pad + "    ", True) for j in members]
            lines.append(pad + "  }")
        else:
            lines.append(field_line(field, pad + "  ", False))
    # protoc numbers real oneofs first, then one synthetic oneof per proto3 optional field in order.
    real = [i for i in range(len(message.oneof_decl)) if i not in synthetic]
    if real != list(range(len(real))):
        fail("oneof order in %s" % full)
    lines.append(pad + "}")
    return lines


def service_lines(service):
    if service.HasField("options"):
        fail("service options")
    lines = ["service %s {" % service.name]
    for method in service.method:
        if method.client_streaming or method.server_streaming:
            fail("streaming method %s" % method.name)
        # Flower's methods are written `rpc X(A) returns (B) {}`, which protoc records as empty
        # (present) options; a `;` would leave them unset.
        if method.HasField("options") and method.options.ByteSize() != 0:
            fail("method options on %s" % method.name)
        body = " {}" if method.HasField("options") else ";"
        lines.append(
            "  rpc %s(%s) returns (%s)%s"
            % (method.name, type_ref(method.input_type, ""), type_ref(method.output_type, ""), body)
        )
    lines.append("}")
    return lines


def proto_source(proto):
    if proto.syntax != "proto3" or proto.package != PACKAGE:
        fail("syntax %r / package %r in %s" % (proto.syntax, proto.package, proto.name))
    if proto.HasField("options") or proto.enum_type or proto.extension or proto.public_dependency:
        fail("file options, enums, extensions or public imports in %s" % proto.name)
    lines = [
        "// Flower %s's `%s`, recreated from the compiled descriptor in the wheel's" % (FLOWER_VERSION, proto.name),
        "// `flwr/proto/%s_pb2.py` by Scripts/fleet-proto-from-wheel.py. Do not edit: names, field numbers,"
        % os.path.basename(proto.name)[: -len(".proto")],
        "// types and packages must stay exactly Flower's (Scripts/check-fleet-proto.py checks them).",
        "",
        'syntax = "proto3";',
        "",
        "package %s;" % proto.package,
        "",
    ]
    if proto.dependency:
        lines += ['import "%s";' % dep for dep in proto.dependency] + [""]
    blocks = [message_lines(m, 0, "") for m in proto.message_type]
    blocks += [service_lines(s) for s in proto.service]
    for i, block in enumerate(blocks):
        if i:
            lines.append("")
        lines += block
    return "\n".join(lines) + "\n"


def main():
    if flwr.__version__ != FLOWER_VERSION:
        sys.exit("fleet-proto-from-wheel: flwr %s installed, expected %s" % (flwr.__version__, FLOWER_VERSION))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "proto")
    for proto in fleet_files():
        if proto.name in SKIPPED:
            continue
        path = os.path.join(out, proto.name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(proto_source(proto))
        print("wrote %s" % os.path.normpath(path), file=sys.stderr)


if __name__ == "__main__":
    main()
