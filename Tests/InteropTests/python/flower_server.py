"""Flower 1.41's own server (start_server, FedAvg) for Pollen clients to join.

Writes the run's History to OUT as JSON: losses_distributed and metrics_distributed.
With --parameters-out FILE.npz, also writes the final global parameters (the last aggregated
ones) as numpy.savez does (arr_0, arr_1, ...), like `pollen server --out`'s parameters.npz.
With --min-clients K (default 2), every round waits for and samples K clients (fit and
evaluate); --fraction-evaluate F (default 1.0) samples a fraction for evaluation (0 disables it).
Usage: flower_server.py --port PORT --rounds 3 --out history.json [--parameters-out final.npz]
       [--min-clients K] [--fraction-evaluate F]
"""
import argparse
import json

import flwr as fl
import numpy as np
from flwr.common import parameters_to_ndarrays


class RecordingFedAvg(fl.server.strategy.FedAvg):
    """FedAvg that remembers the last parameters it aggregated."""

    latest = None

    def aggregate_fit(self, server_round, results, failures):
        parameters, metrics = super().aggregate_fit(server_round, results, failures)
        if parameters is not None:
            self.latest = parameters_to_ndarrays(parameters)
        return parameters, metrics


def weighted_accuracy(metrics):
    if not all("accuracy" in m for _, m in metrics):
        return {}
    total = sum(n for n, _ in metrics)
    return {"accuracy": sum(n * m["accuracy"] for n, m in metrics) / total}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", required=True)
    parser.add_argument("--parameters-out")
    parser.add_argument("--min-clients", type=int, default=2)
    parser.add_argument("--fraction-evaluate", type=float, default=1.0)
    args = parser.parse_args()
    strategy = RecordingFedAvg(
        fraction_evaluate=args.fraction_evaluate,
        min_fit_clients=args.min_clients,
        min_evaluate_clients=args.min_clients if args.fraction_evaluate > 0 else 0,
        min_available_clients=args.min_clients,
        evaluate_metrics_aggregation_fn=weighted_accuracy,
        on_fit_config_fn=lambda rnd: {"local_epochs": 2, "lr": 0.1, "batch_size": 16},
    )
    history = fl.server.start_server(
        server_address=f"127.0.0.1:{args.port}",
        config=fl.server.ServerConfig(num_rounds=args.rounds, round_timeout=120),
        strategy=strategy,
    )
    with open(args.out, "w") as f:
        json.dump(
            {
                "losses_distributed": history.losses_distributed,
                "metrics_distributed": history.metrics_distributed,
            },
            f,
        )
    if args.parameters_out:
        if strategy.latest is None:
            raise SystemExit("no round aggregated: no parameters to write")
        np.savez(args.parameters_out, *strategy.latest)
    print("flower server finished", flush=True)


if __name__ == "__main__":
    main()
