"""A Flower 1.41 NumPyClient with known updates, joining SERVER over grpc-bidi.

fit returns   params[i] + delta * (i + 1)   with num_examples = N (so the FedAvg result is known);
evaluate returns loss = base_loss / server_round, num_examples = N, accuracy = 0.5.
get_parameters returns zeros: a float32 (3, 2) array and a float64 (4,) array.
With --garbage, fit returns random bytes instead of .npy tensors (bypassing numpy).

Usage: numpy_client.py --server 127.0.0.1:PORT --delta D --num-examples N [--loss L] [--garbage]
"""
import argparse
import os

import flwr as fl
import numpy as np
from flwr.common import Code, FitRes, Parameters, Status


def initial_parameters():
    return [np.zeros((3, 2), dtype=np.float32), np.zeros((4,), dtype=np.float64)]


class KnownUpdates(fl.client.NumPyClient):
    def __init__(self, delta, num_examples, loss):
        self.delta, self.num_examples, self.loss = delta, num_examples, loss

    def get_parameters(self, config):
        return initial_parameters()

    def fit(self, parameters, config):
        updated = [p + self.delta * (i + 1) for i, p in enumerate(parameters)]
        return [u.astype(p.dtype) for u, p in zip(updated, parameters)], self.num_examples, {"delta": self.delta}

    def evaluate(self, parameters, config):
        server_round = int(config.get("server_round", 1))
        return self.loss / server_round, self.num_examples, {"accuracy": 0.5}


class GarbageTensors(fl.client.Client):
    """A client whose FitRes tensors are random bytes, not .npy arrays."""

    def __init__(self, inner):
        self.inner = inner.to_client()

    def get_parameters(self, ins):
        return self.inner.get_parameters(ins)

    def fit(self, ins):
        return FitRes(
            status=Status(code=Code.OK, message="Success"),
            parameters=Parameters(tensors=[os.urandom(97), os.urandom(33)], tensor_type="numpy.ndarray"),
            num_examples=5,
            metrics={},
        )

    def evaluate(self, ins):
        return self.inner.evaluate(ins)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--delta", type=float, default=1.0)
    parser.add_argument("--num-examples", type=int, default=10)
    parser.add_argument("--loss", type=float, default=1.0)
    parser.add_argument("--garbage", action="store_true")
    args = parser.parse_args()
    client = KnownUpdates(args.delta, args.num_examples, args.loss)
    fl.client.start_client(
        server_address=args.server,
        client=GarbageTensors(client) if args.garbage else client.to_client(),
        transport="grpc-bidi",
        insecure=True,
    )


if __name__ == "__main__":
    main()
