"""Checks that proto/flwr/proto/transport.proto describes exactly Flower's transport.proto.

Usage: python Scripts/check-proto.py DESCRIPTOR_SET
  DESCRIPTOR_SET: `protoc --descriptor_set_out` of our transport.proto.
Needs flwr installed in the interpreter. Compares the FileDescriptorProtos field by field
(json_name, which protoc fills in and Python's copy leaves out, is ignored). Exit 0 if equal.
"""
import sys

from google.protobuf import descriptor_pb2
from flwr.proto import transport_pb2


def strip_json_names(msg):
    for field in msg.field:
        field.ClearField("json_name")
    for nested in msg.nested_type:
        strip_json_names(nested)


def main():
    theirs = descriptor_pb2.FileDescriptorProto()
    transport_pb2.DESCRIPTOR.CopyToProto(theirs)
    file_set = descriptor_pb2.FileDescriptorSet()
    with open(sys.argv[1], "rb") as f:
        file_set.ParseFromString(f.read())
    ours = file_set.file[0]
    for m in ours.message_type:
        strip_json_names(m)
    if ours != theirs:
        print("transport.proto differs from Flower's:\n--- ours\n%s\n--- Flower's\n%s" % (ours, theirs))
        sys.exit(1)
    print("transport.proto matches Flower's descriptor exactly")


if __name__ == "__main__":
    main()
