"""A NumPy ClientApp: train adds `increment` to every array, evaluate reports a loss."""

import numpy as np
from flwr.app import Array, ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

app = ClientApp()


def _partition(context: Context) -> int:
    return int(context.node_config.get("partition-id", 0))


@app.train()
def train(msg: Message, context: Context) -> Message:
    received = msg.content["arrays"]
    increment = float(context.run_config["increment"])
    arrays = ArrayRecord({key: Array(received[key].numpy() + increment) for key in received.keys()})
    partition = _partition(context)
    metrics = MetricRecord(
        {
            "train_loss": 1.0 + partition,
            "num-examples": 10 + 20 * partition,
            "server-round": int(msg.content["config"]["server-round"]),
        }
    )
    return Message(content=RecordDict({"arrays": arrays, "metrics": metrics}), reply_to=msg)


@app.evaluate()
def evaluate(msg: Message, context: Context) -> Message:
    received = msg.content["arrays"]
    mean = float(np.mean(np.concatenate([received[k].numpy().ravel() for k in received.keys()])))
    partition = _partition(context)
    metrics = MetricRecord({"eval_loss": mean, "eval_acc": 0.5 + 0.25 * partition, "num-examples": 10 + 20 * partition})
    return Message(content=RecordDict({"metrics": metrics}), reply_to=msg)
