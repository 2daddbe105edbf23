import sys, numpy as np, flwr as fl

class Client(fl.client.NumPyClient):
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.w = np.zeros((10, 5), dtype=np.float32)     # your model's weights
    def get_parameters(self, config):
        return [self.w]
    def fit(self, parameters, config):
        self.w = parameters[0] + self.rng.normal(0, 0.1, self.w.shape).astype(np.float32)  # "train"
        return [self.w], 100, {"loss": float(np.abs(self.w).mean())}
    def evaluate(self, parameters, config):
        loss = float(np.square(parameters[0]).mean())
        return loss, 50, {"accuracy": 1.0 / (1.0 + loss)}

fl.client.start_client(server_address=sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1:8080",
                       client=Client(int(sys.argv[1])).to_client(),
                       transport="grpc-bidi", insecure=True)
