"""A Flower 1.41 NumPyClient whose model starts as int64 and whose fit returns float64 arrays.

get_parameters returns int64 arrays: a (3, 2) array 3·k − 5 (k = 0…5) and [7, -3, 12, 0].
fit "rescales" the weights: returns  params[i].astype(float64) * 0.5 + delta * (i + 1)  (float64,
whatever the dtype received) with num_examples = N. evaluate returns loss = mean(params²) / 100
and accuracy 0.5. Deterministic: the same server parameters give the same reply.

Usage: int_model_client.py --server 127.0.0.1:PORT --delta D --num-examples N
"""
import argparse

import flwr as fl
import numpy as np


def initial_parameters():
    return [(np.arange(6, dtype=np.int64) * 3 - 5).reshape(3, 2), np.array([7, -3, 12, 0], dtype=np.int64)]


class IntModelClient(fl.client.NumPyClient):
    def __init__(self, delta, num_examples):
        self.delta, self.num_examples = delta, num_examples

    def get_parameters(self, config):
        return initial_parameters()

    def fit(self, parameters, config):
        updated = [p.astype(np.float64) * 0.5 + self.delta * (i + 1) for i, p in enumerate(parameters)]
        return updated, self.num_examples, {"received_dtypes": ",".join(str(p.dtype) for p in parameters)}

    def evaluate(self, parameters, config):
        loss = float(np.mean([np.mean(np.square(p.astype(np.float64))) for p in parameters])) / 100
        return loss, self.num_examples, {"accuracy": 0.5}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--delta", type=float, default=1.0)
    parser.add_argument("--num-examples", type=int, default=10)
    args = parser.parse_args()
    fl.client.start_client(
        server_address=args.server,
        client=IntModelClient(args.delta, args.num_examples).to_client(),
        transport="grpc-bidi",
        insecure=True,
    )


if __name__ == "__main__":
    main()
