#!/usr/bin/env python3
"""Flower 1.41's start_simulation (Ray) on the workload of `pollen bench simulate`.

Clients return the received parameters plus a constant (no training), so the time measured is
the engine's: scheduling, sampling, aggregation. Prints one line with client-rounds per second.
Usage: python Benchmarks/flower_simulation.py [--clients 1000] [--fraction 0.1] [--rounds 10]
       [--parameters 10000] [--cpus 2]
Needs: pip install "flwr[simulation]==1.41.0"
"""
import argparse
import logging
import time

import numpy as np
import flwr as fl

ap = argparse.ArgumentParser()
ap.add_argument("--clients", type=int, default=1000)
ap.add_argument("--fraction", type=float, default=0.1)
ap.add_argument("--rounds", type=int, default=10)
ap.add_argument("--parameters", type=int, default=10_000)
ap.add_argument("--cpus", type=int, default=2)
a = ap.parse_args()


class Trivial(fl.client.NumPyClient):
    def get_parameters(self, config):
        return [np.zeros(a.parameters, dtype=np.float32)]

    def fit(self, parameters, config):
        return [p + np.float32(0.001) for p in parameters], 10, {}

    def evaluate(self, parameters, config):
        return 0.0, 10, {}


def client_fn(cid: str):
    return Trivial().to_client()


class TimedFedAvg(fl.server.strategy.FedAvg):
    """FedAvg that notes when the first round starts and the last aggregation ends."""

    first = None
    last = None

    def configure_fit(self, server_round, parameters, client_manager):
        if TimedFedAvg.first is None:
            TimedFedAvg.first = time.perf_counter()
        return super().configure_fit(server_round, parameters, client_manager)

    def aggregate_fit(self, server_round, results, failures):
        out = super().aggregate_fit(server_round, results, failures)
        TimedFedAvg.last = time.perf_counter()
        return out


fl.common.logger.FLOWER_LOGGER.setLevel(logging.WARNING)
strategy = TimedFedAvg(
    fraction_fit=a.fraction, fraction_evaluate=0.0, min_fit_clients=1, min_available_clients=1,
    initial_parameters=fl.common.ndarrays_to_parameters([np.zeros(a.parameters, dtype=np.float32)]))
t0 = time.perf_counter()
fl.simulation.start_simulation(
    client_fn=client_fn, num_clients=a.clients, config=fl.server.ServerConfig(num_rounds=a.rounds),
    strategy=strategy, client_resources={"num_cpus": 1},
    ray_init_args={"num_cpus": a.cpus, "include_dashboard": False, "log_to_driver": False})
total = time.perf_counter() - t0
client_rounds = max(int(a.clients * a.fraction), 1) * a.rounds
print(f"flower start_simulation: clients={a.clients} fraction={a.fraction} rounds={a.rounds} "
      f"parameters={a.parameters} -> {client_rounds} client-rounds in {total:.3f} s "
      f"= {client_rounds / total:.1f} client-rounds/s (Ray start-up included)")
rounds = TimedFedAvg.last - TimedFedAvg.first
print(f"flower rounds only: {client_rounds} client-rounds in {rounds:.3f} s "
      f"= {client_rounds / rounds:.1f} client-rounds/s (from the first configure_fit to the last aggregate_fit)")
