"""numpy_client.py's KnownUpdates client under a supervisor loop that reconnects.

Flower 1.41's grpc-bidi `start_client` does not reconnect when the server goes away (its retry
invoker is unused for that transport; the gRPC error ends the process). Operators run clients
under a supervisor; this script is one: it calls `start_client` again after a connection error,
every --retry-every seconds for at most --give-up-after seconds, and exits 0 when the server ends
the run with ReconnectIns (start_client returns normally).

fit sleeps --fit-delay seconds first (so a test can kill the server mid-round) and returns
params[i] + delta * (i + 1) with num_examples = N; evaluate returns loss / server_round.

Usage: resilient_client.py --server 127.0.0.1:PORT --delta D --num-examples N [--loss L]
       [--fit-delay S] [--retry-every S] [--give-up-after S]
"""
import argparse
import os
import sys
import time

import flwr as fl
import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_client import KnownUpdates  # noqa: E402


class SlowKnownUpdates(KnownUpdates):
    def __init__(self, delta, num_examples, loss, fit_delay):
        super().__init__(delta, num_examples, loss)
        self.fit_delay = fit_delay

    def fit(self, parameters, config):
        time.sleep(self.fit_delay)
        return super().fit(parameters, config)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--delta", type=float, default=1.0)
    parser.add_argument("--num-examples", type=int, default=10)
    parser.add_argument("--loss", type=float, default=1.0)
    parser.add_argument("--fit-delay", type=float, default=0.0)
    parser.add_argument("--retry-every", type=float, default=0.3)
    parser.add_argument("--give-up-after", type=float, default=120.0)
    args = parser.parse_args()
    client = SlowKnownUpdates(args.delta, args.num_examples, args.loss, args.fit_delay)
    deadline = time.monotonic() + args.give_up_after
    connections = 0
    while True:
        try:
            connections += 1
            fl.client.start_client(server_address=args.server, client=client.to_client(), transport="grpc-bidi", insecure=True)
            print(f"resilient_client: run ended after {connections} connection(s)", flush=True)
            return 0
        except grpc.RpcError as error:
            if time.monotonic() > deadline:
                print(f"resilient_client: giving up: {error}", flush=True)
                return 1
            print(f"resilient_client: connection lost ({error.code()}); reconnecting", flush=True)
            time.sleep(args.retry_every)


if __name__ == "__main__":
    sys.exit(main())
