"""Flower 1.41's own object encoding, for Tests/PollenFleetProtoTests.

  python fleet_objects.py deflate OUT.json
      Builds the reference messages below with Flower's classes, deflates them with Flower's code
      (`get_all_nested_objects`, each object's `deflate`, `get_object_tree`) and writes
      {"messages": [{"name", "messageID", "objects": {id: base64}, "tree"}]}.

  python fleet_objects.py inflate IN.json OUT.json
      Reads messages deflated elsewhere (same layout, "tree" optional), checks every object as a
      SuperNode's object store does (sha256 == ID, `validate_object_content`), inflates each message
      with `inflate_object_from_contents`, deflates the result again with Flower and writes
      {"messages": [{"name", "reDeflatedIDsMatch", "description"}]}: whether Flower's deflation of
      what it read has the same IDs (so Swift's bytes are byte for byte Flower's), and a
      description of the values it read (see `describe_message`).

The values of `reference_messages` are mirrored in Swift by FlowerFixtures.swift; change both.
"""
import base64
import hashlib
import json
import struct
import sys

import flwr
import numpy as np
from flwr.app import Array, ArrayRecord, ConfigRecord, Error, Message, MetricRecord, RecordDict
from flwr.app.metadata import Metadata
from flwr.supercore.inflatable.inflatable_object import (
    get_all_nested_objects,
    get_object_id,
    get_object_tree,
)
from flwr.supercore.inflatable.inflatable_utils import (
    inflate_object_from_contents,
    validate_object_content,
)

assert flwr.__version__ == "1.41.0", flwr.__version__

NODE = 12345678901234567890  # above Int64.max, as random SuperNode IDs often are
CREATED_AT = 1764547200.25


def train_instruction():
    arrays = ArrayRecord()
    arrays["0"] = Array(np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5)
    arrays["layer.bias"] = Array(np.array([-1, 0, 1], dtype=np.int64))
    # 6,000,128 bytes of .npy: two chunks, 5 MiB and the rest.
    arrays["big"] = Array(np.arange(1_500_000, dtype=np.float32))
    # 16,000,128 bytes of zeros after the header: chunks [header+zeros, zeros, zeros, rest], the
    # middle two identical, so arraychunk_ids is [0, 1, 1, 2].
    arrays["zeros"] = Array(np.zeros(16_000_000, dtype=np.uint8))
    arrays["scalar"] = Array(np.array(2.5, dtype=np.float64))
    arrays["flags"] = Array(np.array([True, False, True]))
    arrays["half ü \"quoted\"\n"] = Array(np.array([1.0, -2.0], dtype=np.float16))
    arrays["same-as-0"] = Array(np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5)
    arrays["opaque"] = Array(dtype="", shape=(), stype="custom", data=b"")
    config = ConfigRecord(
        {
            "server-round": 1,
            "lr": 0.1,
            "name": "fedavg ✓",
            "flag": True,
            "blob": b"\x00\x01\xff",
            "big": 2**63 + 5,
            "neg": -3,
            "floats": [0.5, -1.25],
            "ints": [1, 2, 3],
            "bigs": [1, 2**64 - 1],
            "bools": [True, False],
            "strs": ["a", ""],
            "bytes-list": [b"x", b""],
            "empty": [],
        }
    )
    metrics = MetricRecord(
        {
            "num-examples": 600,
            "train_loss": 0.25,
            "huge": 2**64 - 1,
            "hist": [1, 2],
            "curve": [0.1, 0.2],
            "none": [],
        }
    )
    content = RecordDict(
        {
            "arrays": arrays,
            "config": config,
            "metrics": metrics,
            "config-copy": ConfigRecord(dict(config)),
        }
    )
    metadata = Metadata(
        run_id=7,
        message_id="",
        src_node_id=1,
        dst_node_id=NODE,
        reply_to_message_id="",
        group_id="round-1",
        created_at=CREATED_AT,
        ttl=43200.0,
        message_type="train",
        src_task_id=3,
    )
    return Message(metadata=metadata, content=content)


def error_reply(reply_to):
    metadata = Metadata(
        run_id=7,
        message_id="",
        src_node_id=NODE,
        dst_node_id=1,
        reply_to_message_id=reply_to,
        group_id="round-1",
        created_at=CREATED_AT + 1.5,
        ttl=100.5,
        message_type="train",
        dst_task_id=3,
    )
    return Message(metadata=metadata, error=Error(code=2, reason="ClientApp raised ValueError"))


def empty_reply(reply_to):
    metadata = Metadata(
        run_id=7,
        message_id="",
        src_node_id=NODE,
        dst_node_id=1,
        reply_to_message_id=reply_to,
        group_id="",
        created_at=CREATED_AT + 2,
        ttl=60.0,
        message_type="query.ping",
    )
    return Message(metadata=metadata, content=RecordDict())


def reference_messages():
    train = train_instruction()
    train_id = train.object_id
    return [("train", train), ("error", error_reply(train_id)), ("empty", empty_reply(train_id))]


def tree_json(tree):
    return {"id": tree.object_id, "children": [tree_json(child) for child in tree.children]}


def deflate(out_path):
    messages = []
    for name, message in reference_messages():
        objects = {object_id: obj.deflate() for object_id, obj in get_all_nested_objects(message).items()}
        for object_id, content in objects.items():
            assert get_object_id(content) == object_id
        messages.append(
            {
                "name": name,
                "messageID": message.object_id,
                "objects": {k: base64.b64encode(v).decode("ascii") for k, v in objects.items()},
                "order": list(objects.keys()),
                "tree": tree_json(get_object_tree(message)),
            }
        )
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"messages": messages}, f)


def bits(x):
    """A float as the decimal string of its IEEE 754 bit pattern (exact on both sides)."""
    return str(struct.unpack("<Q", struct.pack("<d", x))[0])


def scalar_text(x):
    if isinstance(x, bool):
        return "True" if x else "False"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return bits(x)
    if isinstance(x, str):
        return x
    if isinstance(x, bytes):
        return base64.b64encode(x).decode("ascii")
    raise TypeError(type(x))


def describe_value(key, value):
    if isinstance(value, list):
        kind = "list[%s]" % type(value[0]).__name__ if value else "list"
        return {"key": key, "type": kind, "items": [scalar_text(x) for x in value]}
    return {"key": key, "type": type(value).__name__, "items": [scalar_text(value)]}


def describe_record(key, record):
    if isinstance(record, ArrayRecord):
        arrays = [
            {
                "key": name,
                "dtype": array.dtype,
                "shape": list(array.shape),
                "stype": array.stype,
                "dataSHA256": hashlib.sha256(array.data).hexdigest(),
                "dataCount": len(array.data),
            }
            for name, array in record.items()
        ]
        return {"key": key, "kind": "array", "arrays": arrays, "values": None}
    kind = "config" if isinstance(record, ConfigRecord) else "metric"
    values = [describe_value(name, value) for name, value in record.items()]
    return {"key": key, "kind": kind, "arrays": None, "values": values}


def describe_message(message):
    """What Flower read, in the JSON FlowerDescription.swift decodes."""
    md = message.metadata
    optional = lambda v: None if v is None else str(v)  # noqa: E731
    return {
        "metadata": {
            "runID": str(md.run_id),
            "messageID": md.message_id,
            "srcNodeID": str(md.src_node_id),
            "dstNodeID": str(md.dst_node_id),
            "replyToMessageID": md.reply_to_message_id,
            "groupID": md.group_id,
            "ttl": bits(md.ttl),
            "messageType": md.message_type,
            "createdAt": bits(md.created_at),
            "srcTaskID": optional(md.src_task_id),
            "dstTaskID": optional(md.dst_task_id),
        },
        "error": (
            {"code": str(message.error.code), "reason": message.error.reason} if message.has_error() else None
        ),
        "content": (
            [describe_record(k, r) for k, r in message.content.items()] if message.has_content() else None
        ),
    }


def inflate(in_path, out_path):
    with open(in_path, encoding="utf-8") as f:
        messages = json.load(f)["messages"]
    results = []
    for entry in messages:
        contents = {k: base64.b64decode(v) for k, v in entry["objects"].items()}
        for object_id, content in contents.items():
            if get_object_id(content) != object_id:
                raise SystemExit("%s: object %s does not hash to its ID" % (entry["name"], object_id))
            validate_object_content(content)
        message = inflate_object_from_contents(entry["messageID"], contents, keep_object_contents=True)
        assert isinstance(message, Message), type(message)
        message.metadata.__dict__["_message_id"] = message.object_id  # as the SuperNode does
        again = {object_id: obj.deflate() for object_id, obj in get_all_nested_objects(message).items()}
        results.append(
            {
                "name": entry["name"],
                "reDeflatedIDsMatch": message.object_id == entry["messageID"] and set(again) == set(contents),
                "reDeflatedBytesMatch": again == contents,
                "description": describe_message(message),
            }
        )
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"messages": results}, f)


if __name__ == "__main__":
    if sys.argv[1:2] == ["deflate"] and len(sys.argv) == 3:
        deflate(sys.argv[2])
    elif sys.argv[1:2] == ["inflate"] and len(sys.argv) == 4:
        inflate(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
