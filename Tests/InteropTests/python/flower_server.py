"""Flower 1.41's own server (start_server, FedAvg) for Pollen clients to join.

Writes the run's History to OUT as JSON: losses_distributed and metrics_distributed.
Usage: flower_server.py --port PORT --rounds 3 --out history.json
"""
import argparse
import json

import flwr as fl


def weighted_accuracy(metrics):
    total = sum(n for n, _ in metrics)
    return {"accuracy": sum(n * m["accuracy"] for n, m in metrics) / total}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    strategy = fl.server.strategy.FedAvg(
        min_fit_clients=2,
        min_evaluate_clients=2,
        min_available_clients=2,
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
    print("flower server finished", flush=True)


if __name__ == "__main__":
    main()
