"""A Flower 1.41 NumPyClient whose fit is slow in some rounds, joining SERVER over grpc-bidi.

fit returns params + 1 with num_examples = 10 and the metric {"slow": S}; in the rounds listed
by --slow-rounds (read from the server's config "server_round") it first sleeps --delay seconds,
sending nothing meanwhile. evaluate returns loss 1.0, num_examples = 10, {"slow": S}.
S is 1.0 with --slow-rounds and 0.0 without, so a weighted metric average of 0.5 means both
clients were aggregated and 0.0 the fast one alone.
Prints "fit round N" for each fit and "start_client returned" when the server ended the
session with ReconnectIns (a crash prints a traceback and exits non-zero instead).

With --keepalive-ms MS the gRPC channel sends HTTP/2 keepalive pings every MS milliseconds
(even without data, without limit), as a client configured for idle-hostile networks would;
Flower's start_client takes no channel options, so grpc.insecure_channel is wrapped.

Usage: slow_client.py --server 127.0.0.1:PORT [--slow-rounds 1,3] [--delay 3] [--keepalive-ms MS]
"""
import argparse
import time

import flwr as fl
import grpc
import numpy as np


class SlowInSomeRounds(fl.client.NumPyClient):
    def __init__(self, slow_rounds, delay):
        self.slow_rounds, self.delay = slow_rounds, delay
        self.tag = 1.0 if slow_rounds else 0.0

    def get_parameters(self, config):
        return [np.zeros((3,), dtype=np.float32)]

    def fit(self, parameters, config):
        server_round = int(config.get("server_round", 0))
        print(f"fit round {server_round}", flush=True)
        if server_round in self.slow_rounds:
            time.sleep(self.delay)
        return [p + 1 for p in parameters], 10, {"slow": self.tag}

    def evaluate(self, parameters, config):
        return 1.0, 10, {"slow": self.tag}


def ping_every(milliseconds):
    """Makes every insecure channel ping the server every `milliseconds`."""
    original = grpc.insecure_channel

    def insecure_channel(target, options=None, compression=None):
        options = list(options or []) + [
            ("grpc.keepalive_time_ms", milliseconds),
            ("grpc.keepalive_timeout_ms", 20000),
            ("grpc.http2.max_pings_without_data", 0),
        ]
        return original(target, options=options, compression=compression)

    grpc.insecure_channel = insecure_channel


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--slow-rounds", default="")
    parser.add_argument("--delay", type=float, default=3.0)
    parser.add_argument("--keepalive-ms", type=int, default=0)
    args = parser.parse_args()
    if args.keepalive_ms:
        ping_every(args.keepalive_ms)
    slow_rounds = {int(r) for r in args.slow_rounds.split(",") if r}
    fl.client.start_client(
        server_address=args.server,
        client=SlowInSomeRounds(slow_rounds, args.delay).to_client(),
        transport="grpc-bidi",
        insecure=True,
    )
    print("start_client returned", flush=True)


if __name__ == "__main__":
    main()
