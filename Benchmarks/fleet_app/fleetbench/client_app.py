"""The benchmark's ClientApp: train returns the arrays + 1 with num-examples 10 (as `pollen load`'s
clients do); evaluate reports loss 0. No real training: the benchmark measures the servers."""

from flwr.app import Array, ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

app = ClientApp()


@app.train()
def train(msg: Message, context: Context) -> Message:
    received = msg.content["arrays"]
    arrays = ArrayRecord({key: Array(received[key].numpy() + 1) for key in received.keys()})
    metrics = MetricRecord({"train_loss": 0.0, "num-examples": 10})
    return Message(content=RecordDict({"arrays": arrays, "metrics": metrics}), reply_to=msg)


@app.evaluate()
def evaluate(msg: Message, context: Context) -> Message:
    metrics = MetricRecord({"eval_loss": 0.0, "num-examples": 10})
    return Message(content=RecordDict({"metrics": metrics}), reply_to=msg)
