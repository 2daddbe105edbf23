"""numpy_client.py's KnownUpdates client with knobs for the metrics scrape test.

--fail-fit-round R   fit in server round R answers with status FIT_NOT_IMPLEMENTED (a client
                     failure the server counts; raising would kill a grpc-bidi client process).
--fit-seconds S      every fit sleeps S seconds first (so a scraper sees the run in progress).
--linger S           waits S seconds before acknowledging the server's ReconnectIns (so a scraper
                     sees the final counters before the server exits).

Usage: metrics_client.py --server 127.0.0.1:PORT [--delta D --num-examples N --loss L]
                         [--fail-fit-round R] [--fit-seconds S] [--linger S]
"""
import argparse
import time

import flwr as fl
import flwr.compat.client.app as client_app
from flwr.common import Code, FitRes, Parameters, Status

from numpy_client import KnownUpdates


class Knobs(fl.client.Client):
    def __init__(self, inner, fail_fit_round, fit_seconds):
        self.inner = inner.to_client()
        self.fail_fit_round, self.fit_seconds = fail_fit_round, fit_seconds

    def get_parameters(self, ins):
        return self.inner.get_parameters(ins)

    def fit(self, ins):
        time.sleep(self.fit_seconds)
        if int(ins.config.get("server_round", 0)) == self.fail_fit_round:
            return FitRes(
                status=Status(code=Code.FIT_NOT_IMPLEMENTED, message="injected failure"),
                parameters=Parameters(tensors=[], tensor_type="numpy.ndarray"),
                num_examples=0,
                metrics={},
            )
        return self.inner.fit(ins)

    def evaluate(self, ins):
        return self.inner.evaluate(ins)


def linger_on_reconnect(seconds):
    original = client_app.handle_control_message

    def handle(message):
        if message.metadata.message_type == "reconnect":
            time.sleep(seconds)
        return original(message)

    client_app.handle_control_message = handle


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--delta", type=float, default=1.0)
    parser.add_argument("--num-examples", type=int, default=10)
    parser.add_argument("--loss", type=float, default=1.0)
    parser.add_argument("--fail-fit-round", type=int, default=-1)
    parser.add_argument("--fit-seconds", type=float, default=0.0)
    parser.add_argument("--linger", type=float, default=0.0)
    args = parser.parse_args()
    if args.linger > 0:
        linger_on_reconnect(args.linger)
    client = Knobs(KnownUpdates(args.delta, args.num_examples, args.loss), args.fail_fit_round, args.fit_seconds)
    fl.client.start_client(server_address=args.server, client=client, transport="grpc-bidi", insecure=True)


if __name__ == "__main__":
    main()
