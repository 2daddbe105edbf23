"""A Flower 1.41 NumPyClient for Benchmarks/compare_server.sh: get_parameters returns P float32
zeros in L arrays, fit returns the parameters + 1 with num_examples 10, evaluate returns loss 0
(the same answers as `pollen load`).

Usage: flower_bench_client.py --server 127.0.0.1:PORT --params P [--layers 4]
"""
import argparse

import flwr as fl
import numpy as np


class PlusOne(fl.client.NumPyClient):
    def __init__(self, params, layers):
        base = params // layers
        self.sizes = [base + (1 if i < params % layers else 0) for i in range(layers)]

    def get_parameters(self, config):
        return [np.zeros(n, dtype=np.float32) for n in self.sizes]

    def fit(self, parameters, config):
        return [p + 1 for p in parameters], 10, {}

    def evaluate(self, parameters, config):
        return 0.0, 10, {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--params", type=int, default=1_000_000)
    parser.add_argument("--layers", type=int, default=4)
    args = parser.parse_args()
    fl.client.start_client(
        server_address=args.server,
        client=PlusOne(args.params, args.layers).to_client(),
        transport="grpc-bidi",
        insecure=True,
    )


if __name__ == "__main__":
    main()
