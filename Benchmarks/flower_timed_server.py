"""Flower 1.41's start_server (FedAvg) that records per-round wall times inside the server.

A round starts when configure_fit returns (all K clients are connected and sampled: the wait for
them and the initial get_parameters are excluded) and ends when its federated evaluation is done
(configure_evaluate returning no instructions, or aggregate_evaluate returning). fit_seconds runs
from the start to the end of aggregate_fit. Prints "BENCH rounds start" when round 1 starts and
"BENCH rounds end" when the last round ends (for Benchmarks/server_probe.py), and writes
{"rounds": [{"round", "fit_seconds", "round_seconds"}], "final": [first values of each array]}
to OUT.

Usage: flower_timed_server.py --port PORT --clients K --rounds R --out timings.json
       [--fraction-fit F] [--fraction-evaluate F] [--round-timeout S]
"""
import argparse
import json
import time

import flwr as fl
from flwr.common import parameters_to_ndarrays


class TimedFedAvg(fl.server.strategy.FedAvg):
    def __init__(self, rounds, **kwargs):
        super().__init__(**kwargs)
        self.rounds = rounds
        self.started = {}
        self.fitted = {}
        self.ended = {}
        self.final = None

    def configure_fit(self, server_round, parameters, client_manager):
        instructions = super().configure_fit(server_round, parameters, client_manager)
        self.started[server_round] = time.perf_counter()
        if server_round == 1:
            print("BENCH rounds start", flush=True)
        return instructions

    def aggregate_fit(self, server_round, results, failures):
        parameters, metrics = super().aggregate_fit(server_round, results, failures)
        self.fitted[server_round] = time.perf_counter()
        if parameters is not None:
            self.final = [float(a.reshape(-1)[0]) if a.size else None for a in parameters_to_ndarrays(parameters)]
        print(f"BENCH round {server_round}: {len(results)} results, {len(failures)} failures", flush=True)
        return parameters, metrics

    def _end(self, server_round):
        self.ended[server_round] = time.perf_counter()
        if server_round == self.rounds:
            print("BENCH rounds end", flush=True)

    def configure_evaluate(self, server_round, parameters, client_manager):
        instructions = super().configure_evaluate(server_round, parameters, client_manager)
        if not instructions:
            self._end(server_round)
        return instructions

    def aggregate_evaluate(self, server_round, results, failures):
        out = super().aggregate_evaluate(server_round, results, failures)
        self._end(server_round)
        return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fraction-fit", type=float, default=1.0)
    parser.add_argument("--fraction-evaluate", type=float, default=0.0)
    parser.add_argument("--round-timeout", type=float, default=None)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    strategy = TimedFedAvg(
        args.rounds,
        fraction_fit=args.fraction_fit,
        fraction_evaluate=args.fraction_evaluate,
        min_fit_clients=max(1, int(args.clients * args.fraction_fit)),
        min_evaluate_clients=max(1, int(args.clients * args.fraction_evaluate)),
        min_available_clients=args.clients,
    )
    fl.server.start_server(
        server_address=f"127.0.0.1:{args.port}",
        config=fl.server.ServerConfig(num_rounds=args.rounds, round_timeout=args.round_timeout),
        strategy=strategy,
    )
    rounds = [
        {
            "round": r,
            "fit_seconds": strategy.fitted.get(r, strategy.ended[r]) - strategy.started[r],
            "round_seconds": strategy.ended[r] - strategy.started[r],
        }
        for r in sorted(strategy.ended)
    ]
    with open(args.out, "w") as f:
        json.dump({"rounds": rounds, "final": strategy.final}, f)
    print("flower server finished", flush=True)


if __name__ == "__main__":
    main()
