"""A scikit-learn Flower client: logistic regression with warm start on the digits data set that
scikit-learn ships (8x8 images, 10 classes), partition I of N, trained against any Flower server
(`pollen server` or Flower's own) over grpc-bidi.

Each `fit` sets the global coefficients and runs `local_epochs` (server config)
iterations of lbfgs from them (`warm_start=True`, `max_iter`; default 10), as Flower's scikit-learn
examples do; `evaluate` reports log loss and accuracy on the partition's held-out quarter.

Usage: python sklearn_client.py --server 127.0.0.1:8080 --partition 0/2
"""
import argparse
import warnings

import flwr as fl
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss


def partition(index, count):
    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    order = np.random.default_rng(0).permutation(len(y))
    part = order[index::count]
    split = len(part) * 3 // 4
    return (x[part[:split]], y[part[:split]]), (x[part[split:]], y[part[split:]])


class DigitsClient(fl.client.NumPyClient):
    def __init__(self, index, count):
        (self.x, self.y), (self.x_test, self.y_test) = partition(index, count)
        self.model = LogisticRegression(warm_start=True, max_iter=1)
        # The shapes a fitted model has, so get_parameters works before any fit.
        self.model.classes_ = np.arange(10)
        self.model.coef_ = np.zeros((10, self.x.shape[1]))
        self.model.intercept_ = np.zeros(10)

    def get_parameters(self, config):
        return [self.model.coef_, self.model.intercept_]

    def set_parameters(self, parameters):
        self.model.coef_, self.model.intercept_ = parameters[0], parameters[1]

    def fit(self, parameters, config):
        self.set_parameters(parameters)
        self.model.max_iter = int(config.get("local_epochs", 10))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model.fit(self.x, self.y)
        return self.get_parameters(config), len(self.y), {}

    def evaluate(self, parameters, config):
        self.set_parameters(parameters)
        probabilities = self.model.predict_proba(self.x_test)
        loss = log_loss(self.y_test, probabilities, labels=np.arange(10))
        accuracy = float((self.model.predict(self.x_test) == self.y_test).mean())
        return float(loss), len(self.y_test), {"accuracy": accuracy}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="127.0.0.1:8080")
    parser.add_argument("--partition", default="0/1", help="I/N: this client's share of the data")
    args = parser.parse_args()
    index, count = (int(v) for v in args.partition.split("/"))
    fl.client.start_client(
        server_address=args.server, client=DigitsClient(index, count).to_client(), transport="grpc-bidi",
        insecure=True)
