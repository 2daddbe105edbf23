"""The benchmark's ServerApp on Flower's SuperLink: Flower's own Message-API FedAvg (fraction_train
1, no federated evaluation) over `num-layers` float32 arrays of `num-params` zeros in total.

Per-round time is measured inside the ServerApp, as Pollen's server measures it: from the moment
configure_train has sampled the nodes (all `min-nodes` connected) and built the messages to the
moment aggregate_train has returned. The rounds go to `timing-file` as JSON. On Pollen this file
is not used: Pollen's strategies replace the ServerApp.
"""

import json
import time

import numpy as np
from flwr.app import Array, ArrayRecord, Context
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

app = ServerApp()


class TimedFedAvg(FedAvg):
    """FedAvg that stamps each round between configure_train's return and aggregate_train's."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rounds = []
        self._started = None

    def configure_train(self, server_round, arrays, config, grid):
        messages = super().configure_train(server_round, arrays, config, grid)
        self._started = time.perf_counter()
        return messages

    def aggregate_train(self, server_round, replies):
        result = super().aggregate_train(server_round, replies)
        seconds = time.perf_counter() - self._started
        self.rounds.append({"round": server_round, "round_seconds": seconds})
        print(f"BENCH round {server_round} {seconds:.4f} s", flush=True)
        return result


def initial_arrays(num_params: int, num_layers: int) -> ArrayRecord:
    sizes = [num_params // num_layers + (1 if i < num_params % num_layers else 0) for i in range(num_layers)]
    return ArrayRecord({f"layer{i}": Array(np.zeros(size, dtype=np.float32)) for i, size in enumerate(sizes)})


@app.main()
def main(grid: Grid, context: Context) -> None:
    config = context.run_config
    nodes = int(config["min-nodes"])
    strategy = TimedFedAvg(
        fraction_train=1.0, fraction_evaluate=0.0, min_train_nodes=nodes, min_available_nodes=nodes
    )
    strategy.start(
        grid=grid,
        initial_arrays=initial_arrays(int(config["num-params"]), int(config["num-layers"])),
        num_rounds=int(config["num-server-rounds"]),
    )
    if config["timing-file"]:
        with open(str(config["timing-file"]), "w") as f:
            json.dump({"rounds": strategy.rounds}, f)
