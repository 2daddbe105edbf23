"""Checks that proto/flwr/proto/ describes exactly the files of Flower 1.41's Fleet API.

Usage: python Scripts/check-fleet-proto.py DESCRIPTOR_SET
  DESCRIPTOR_SET: `protoc --include_imports --descriptor_set_out` of our flwr/proto/fleet.proto.
Needs flwr installed in the interpreter. For fleet.proto and every file it imports (transport.proto
included), compares our FileDescriptorProto with the one compiled into the wheel's
`flwr/proto/*_pb2.py`, field by field: names, numbers, types, labels, oneofs, maps, packages,
imports, services. `json_name`, which protoc fills in and Python's copy leaves out, is ignored, as in
Scripts/check-proto.py. Exit 0 if every file is equal and none is missing.
"""
import importlib
import os
import sys

import flwr
from google.protobuf import descriptor_pb2

ROOT_FILE = "flwr/proto/fleet.proto"


def strip_json_names(message):
    for field in message.field:
        field.ClearField("json_name")
    for nested in message.nested_type:
        strip_json_names(nested)


def wheel_file(name):
    module = importlib.import_module("flwr.proto.%s_pb2" % os.path.basename(name)[: -len(".proto")])
    proto = descriptor_pb2.FileDescriptorProto()
    module.DESCRIPTOR.CopyToProto(proto)
    return proto


def main():
    if flwr.__version__ != "1.41.0":
        sys.exit("check-fleet-proto: flwr %s installed, the protos are 1.41.0's" % flwr.__version__)
    file_set = descriptor_pb2.FileDescriptorSet()
    with open(sys.argv[1], "rb") as f:
        file_set.ParseFromString(f.read())
    ours = {proto.name: proto for proto in file_set.file}
    for proto in ours.values():
        for message in proto.message_type:
            strip_json_names(message)

    failures, checked, pending, seen = [], [], [ROOT_FILE], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        theirs = wheel_file(name)
        pending.extend(theirs.dependency)
        if name not in ours:
            failures.append("%s: missing from the descriptor set" % name)
            continue
        if ours[name] != theirs:
            failures.append("%s differs from Flower's:\n--- ours\n%s\n--- Flower's\n%s" % (name, ours[name], theirs))
        checked.append(name)
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print("%d Fleet API files match Flower's descriptors exactly: %s" % (len(checked), ", ".join(sorted(checked))))


if __name__ == "__main__":
    main()
