"""Opens one grpc-bidi Join stream with Flower 1.41's own node-authentication headers.

The headers are made with Flower's code (flwr.supercore.primitives.asymmetric and
flwr.common.constant), as a SuperNode makes them: the PEM public key, the timestamp
`datetime.now(tz=UTC).isoformat()` and the ECDSA-SHA256 signature of that string.

Prints one line: `ADMITTED` (the stream stayed open for --hold seconds, then the probe left) or
`REFUSED <status code> <details>`.

Usage: auth_probe.py --server HOST:PORT --key node_key [--age SECONDS] [--bad-signature]
                     [--save FILE | --replay FILE] [--hold SECONDS]
"""
import argparse
import datetime
import json
import threading

import grpc
from cryptography.hazmat.primitives.serialization import load_ssh_private_key
from flwr.common.constant import PUBLIC_KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from flwr.proto.transport_pb2_grpc import FlowerServiceStub
from flwr.supercore.primitives.asymmetric import public_key_to_bytes, sign_message


def headers(args):
    if args.replay:
        with open(args.replay) as f:
            saved = json.load(f)
        return [
            (PUBLIC_KEY_HEADER, bytes.fromhex(saved["key"])),
            (TIMESTAMP_HEADER, saved["timestamp"]),
            (SIGNATURE_HEADER, bytes.fromhex(saved["signature"])),
        ]
    with open(args.key, "rb") as f:
        private_key = load_ssh_private_key(f.read(), None)
    now = datetime.datetime.now(tz=datetime.timezone.utc) - datetime.timedelta(seconds=args.age)
    timestamp = now.isoformat()
    signed = ("not " + timestamp) if args.bad_signature else timestamp
    signature = sign_message(private_key, signed.encode("ascii"))
    key = public_key_to_bytes(private_key.public_key())
    if args.save:
        with open(args.save, "w") as f:
            json.dump({"key": key.hex(), "timestamp": timestamp, "signature": signature.hex()}, f)
    return [(PUBLIC_KEY_HEADER, key), (TIMESTAMP_HEADER, timestamp), (SIGNATURE_HEADER, signature)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--key")
    parser.add_argument("--age", type=float, default=0)
    parser.add_argument("--bad-signature", action="store_true")
    parser.add_argument("--save")
    parser.add_argument("--replay")
    parser.add_argument("--hold", type=float, default=1.5)
    args = parser.parse_args()

    channel = grpc.insecure_channel(args.server)
    stub = FlowerServiceStub(channel)
    stop = threading.Event()

    def requests():
        stop.wait()
        return
        yield  # a generator that sends nothing until the probe leaves

    call = stub.Join(requests(), metadata=headers(args))
    outcome = {}

    def read():
        try:
            for _ in call:
                pass
            outcome["line"] = "ENDED"
        except grpc.RpcError as error:
            outcome["line"] = f"REFUSED {error.code().name} {error.details()}"

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(args.hold)
    if "line" not in outcome:
        outcome["line"] = "ADMITTED"
        call.cancel()
    stop.set()
    print(outcome["line"], flush=True)
    channel.close()


if __name__ == "__main__":
    main()
