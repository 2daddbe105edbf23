#!/usr/bin/env python3
"""Writes strategy-parity fixtures computed by the reference Flower implementation.

Usage: python generate.py OUT_DIR [--seed N]
Needs: flwr==1.41.0 and numpy (pip install flwr==1.41.0).

Each fixture is one JSON file describing a strategy, its hyperparameters, and
for every round: the current global parameters, the clients' FitRes
(parameters, num_examples, metrics), the failures count, and the parameters the
reference implementation returned (or null when it declined to aggregate).
Arrays are {"dtype": "float32", "shape": [...], "data": [flat row-major values]}.

The *-mixed-dtypes fixtures (Pollen's addition) feed Flower's strategies updates whose dtypes
differ from the model's and from each other (an int64 model with float64 updates, int64 then
float64 results, float32 with float64, int32, uint8, bool, float16, ...), so the expected
arrays carry Flower's result dtype as well as its values. They use their own random stream
(seed + 1), so the other fixtures are the same as without them.
"""
import argparse, json, os, sys
import numpy as np
import flwr as fl
from flwr.common import (FitRes, EvaluateRes, Status, Code, ndarrays_to_parameters,
                         parameters_to_ndarrays)
from flwr.server.client_proxy import ClientProxy
from flwr.server.strategy import (FedAvg, FedProx, FedAvgM, FedAdagrad, FedAdam, FedYogi,
                                  FedMedian, FedTrimmedAvg, Krum, Bulyan, QFedAvg,
                                  FaultTolerantFedAvg, DifferentialPrivacyServerSideFixedClipping,
                                  DifferentialPrivacyServerSideAdaptiveClipping,
                                  DifferentialPrivacyClientSideFixedClipping,
                                  DifferentialPrivacyClientSideAdaptiveClipping)
import flwr.server.strategy.dp_adaptive_clipping as dp_adaptive_module
from flwr.supercore.differential_privacy import (compute_clip_model_update,
                                                 compute_adaptive_clip_model_update)


class Proxy(ClientProxy):
    def get_properties(self, *a, **k): raise NotImplementedError
    def get_parameters(self, *a, **k): raise NotImplementedError
    def fit(self, *a, **k): raise NotImplementedError
    def evaluate(self, *a, **k): raise NotImplementedError
    def reconnect(self, *a, **k): raise NotImplementedError


def arr(a):
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": a.reshape(-1).astype(np.float64).tolist()}


SHAPES = [(4, 3), (3,), (2, 2, 2)]


def rand_params(rng, scale=1.0):
    return [(rng.standard_normal(s) * scale).astype(np.float32) for s in SHAPES]


def fit_round(strategy, rnd, current, rng, k, failures=0, outlier=False, loss_key=False):
    results, recs = [], []
    for c in range(k):
        p = [x + (rng.standard_normal(x.shape) * 0.5).astype(np.float32) for x in current]
        if outlier and c == k - 1:
            p = [x + np.float32(25.0) for x in p]
        n = int(rng.integers(5, 100))
        metrics = {"loss": float(rng.uniform(0.1, 2.0))} if loss_key else {}
        res = FitRes(status=Status(Code.OK, ""), parameters=ndarrays_to_parameters(p),
                     num_examples=n, metrics=metrics)
        results.append((Proxy(str(c)), res))
        recs.append({"cid": str(c), "parameters": [arr(x) for x in p], "num_examples": n, "metrics": metrics})
    fails = [Exception("client failed") for _ in range(failures)]
    agg, _ = strategy.aggregate_fit(rnd, results, fails)
    expected = None if agg is None else [arr(x) for x in parameters_to_ndarrays(agg)]
    return recs, expected, (None if agg is None else parameters_to_ndarrays(agg))


def run_case(name, make, rounds, k, rng, hyper, failures=0, outlier=False, stateful=False,
             qffl=False):
    init = rand_params(rng)
    strategy = make(ndarrays_to_parameters(init))
    if stateful or qffl:
        strategy.initialize_parameters(None)
    current = init
    out = {"strategy": name, "hyperparameters": hyper, "initial_parameters": [arr(x) for x in init],
           "rounds": []}
    for rnd in range(1, rounds + 1):
        if qffl:
            strategy.pre_weights = current
        if hasattr(strategy, "current_round_params"):
            strategy.current_round_params = current  # set by configure_fit in a live run
        recs, expected, new = fit_round(strategy, rnd, current, rng, k, failures, outlier, qffl)
        out["rounds"].append({"round": rnd, "current_parameters": [arr(x) for x in current],
                              "results": recs, "failures": failures, "expected": expected})
        if new is not None:
            current = new
    return out


def evaluate_case(rng):
    strategy = FedAvg()
    results, recs = [], []
    for c in range(6):
        loss, n = float(rng.uniform(0, 3)), int(rng.integers(1, 50))
        results.append((Proxy(str(c)), EvaluateRes(status=Status(Code.OK, ""), loss=loss,
                                                    num_examples=n, metrics={})))
        recs.append({"cid": str(c), "loss": loss, "num_examples": n})
    loss, _ = strategy.aggregate_evaluate(1, results, [])
    return {"strategy": "fedavg-evaluate", "results": recs, "expected_loss": loss}


def sampling_case():
    rows = []
    for avail in [1, 2, 3, 7, 10, 99, 100, 1000]:
        for frac in [0.0, 0.05, 0.1, 0.5, 1.0]:
            for minc in [1, 2, 10]:
                s = FedAvg(fraction_fit=frac, min_fit_clients=minc, fraction_evaluate=frac,
                           min_evaluate_clients=minc)
                rows.append({"available": avail, "fraction": frac, "min_clients": minc,
                             "num_fit_clients": s.num_fit_clients(avail)[0],
                             "min_available": s.num_fit_clients(avail)[1],
                             "num_evaluate_clients": s.num_evaluation_clients(avail)[0]})
    return {"strategy": "sampling", "rows": rows}


MIXED_SHAPES = [(3, 2), (4,)]

# Each scenario: (model dtypes per layer, [(result dtypes per layer), ...]) for one FedAvg
# aggregate_fit. Results are independent draws; order matters for aggregate_inplace.
MIXED_SCENARIOS = [
    (["int64", "int64"], [["float64", "float64"]] * 3),            # the issue's case
    (["int64", "int64"], [["int64", "int64"], ["float64", "float64"], ["float64", "float64"]]),
    (["int64", "int64"], [["float64", "float64"], ["int64", "int64"], ["float64", "float64"]]),
    (["float32", "float32"], [["float32", "float64"], ["float64", "float32"]]),
    (["float64", "float64"], [["float64", "float32"], ["float32", "float32"], ["float64", "float64"]]),
    (["int32", "int32"], [["int32", "float32"], ["float32", "int64"], ["int64", "int32"]]),
    (["float32", "float32"], [["int16", "uint8"], ["float32", "float32"]]),
    (["uint8", "uint8"], [["uint8", "uint8"], ["int8", "float64"]]),
    (["float64", "float64"], [["float64", "bool"], ["bool", "float64"]]),
    (["float16", "float16"], [["float16", "float16"], ["float64", "float16"], ["float32", "float16"]]),
    (["int64", "int64"], [["int64", "int64"]] * 3),                 # all integers: Flower truncates
    (["int64", "int64"], [["int64", "float32"]]),                    # a lone result
]


def mixed_array(rng, dtype, shape):
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.startswith("uint"):
        return rng.integers(0, 100, shape).astype(dtype)
    if dtype.startswith("int"):
        return rng.integers(-60, 60, shape).astype(dtype)
    return (rng.standard_normal(shape) * 20).astype(dtype)


def mixed_fedavg_case(name, make, rng):
    """One round per scenario, each aggregated independently by a fresh strategy."""
    out = {"strategy": name, "hyperparameters": {}, "rounds": []}
    for i, (model_dtypes, result_dtypes) in enumerate(MIXED_SCENARIOS, start=1):
        current = [mixed_array(rng, d, s) for d, s in zip(model_dtypes, MIXED_SHAPES)]
        strategy = make(ndarrays_to_parameters(current))
        results, recs = [], []
        for c, dtypes in enumerate(result_dtypes):
            p = [mixed_array(rng, d, s) for d, s in zip(dtypes, MIXED_SHAPES)]
            n = int(rng.integers(5, 100))
            results.append((Proxy(str(c)), FitRes(status=Status(Code.OK, ""),
                                                  parameters=ndarrays_to_parameters(p),
                                                  num_examples=n, metrics={})))
            recs.append({"cid": str(c), "parameters": [arr(x) for x in p], "num_examples": n, "metrics": {}})
        agg, _ = strategy.aggregate_fit(1, results, [])
        out["rounds"].append({"round": 1, "scenario": i, "current_parameters": [arr(x) for x in current],
                              "results": recs, "failures": 0,
                              "expected": [arr(x) for x in parameters_to_ndarrays(agg)]})
    return out


def mixed_stateful_case(name, make, rng, rounds=3, k=3):
    """An int64 model whose clients return float64 models, through a stateful strategy."""
    init = [mixed_array(rng, "int64", s) for s in MIXED_SHAPES]
    strategy = make(ndarrays_to_parameters(init))
    strategy.initialize_parameters(None)
    current = init
    out = {"strategy": name, "initial_parameters": [arr(x) for x in init], "rounds": []}
    for rnd in range(1, rounds + 1):
        results, recs = [], []
        for c in range(k):
            p = [x.astype(np.float64) * 0.5 + rng.standard_normal(x.shape) for x in current]
            n = int(rng.integers(5, 100))
            results.append((Proxy(str(c)), FitRes(status=Status(Code.OK, ""),
                                                  parameters=ndarrays_to_parameters(p),
                                                  num_examples=n, metrics={})))
            recs.append({"cid": str(c), "parameters": [arr(x) for x in p], "num_examples": n, "metrics": {}})
        agg, _ = strategy.aggregate_fit(rnd, results, [])
        new = parameters_to_ndarrays(agg)
        out["rounds"].append({"round": rnd, "current_parameters": [arr(x) for x in current],
                              "results": recs, "failures": 0, "expected": [arr(x) for x in new]})
        current = new
    return out


def mixed_cases(seed):
    rng = np.random.default_rng(seed + 1)
    return {
        "fedavg-mixed-dtypes": mixed_fedavg_case(
            "fedavg-mixed-dtypes", lambda p: FedAvg(initial_parameters=p), rng),
        "fedavg-mixed-dtypes-inplace-off": mixed_fedavg_case(
            "fedavg-mixed-dtypes-inplace-off", lambda p: FedAvg(initial_parameters=p, inplace=False), rng),
        "fedavgm-mixed-dtypes": mixed_stateful_case(
            "fedavgm-mixed-dtypes",
            lambda p: FedAvgM(initial_parameters=p, server_learning_rate=0.7, server_momentum=0.9), rng),
        "fedadagrad-mixed-dtypes": mixed_stateful_case(
            "fedadagrad-mixed-dtypes",
            lambda p: FedAdagrad(initial_parameters=p, eta=0.1, eta_l=0.1, tau=1e-3), rng),
    }


def dp_case(name, make, hyper, rounds, k, rng, client_clip=None, andrew=False):
    """Flower's DP wrappers without noise, R rounds, each result drawn around the round's model.

    client_clip "fixed"/"adaptive": the results are first clipped as Flower's fixedclipping_mod /
    adaptiveclipping_mod do on the client (to the norm the wrapper sends this round), and the
    adaptive one records its norm_bit (True = was clipped, Flower's wire meaning).
    andrew: Flower counts the updates that WERE clipped where Andrew et al. (2021) count those that
    were NOT; the fixture runs Flower's own wrapper with that count inverted (its norm_bit
    negated), so it holds Flower's arithmetic with the published rule. Each round records the
    clipping norm it used and the next one."""
    init = rand_params(rng)
    strategy = make(ndarrays_to_parameters(init))
    strategy.initialize_parameters(None)
    current = init
    out = {"strategy": name, "hyperparameters": hyper, "initial_parameters": [arr(x) for x in init],
           "rounds": []}
    original = dp_adaptive_module.adaptive_clip_inputs_inplace
    if andrew and client_clip is None:
        dp_adaptive_module.adaptive_clip_inputs_inplace = lambda a, c: not original(a, c)
    try:
        for rnd in range(1, rounds + 1):
            if hasattr(strategy, "current_round_params"):
                strategy.current_round_params = current
            norm = float(strategy.clipping_norm)
            results, recs = [], []
            for c in range(k):
                # Spread the update norms (0.2 .. 3) so some are clipped and some are not.
                scale = 0.2 + 2.8 * c / max(1, k - 1)
                p = [x + (rng.standard_normal(x.shape) * 0.3 * scale).astype(np.float32) for x in current]
                metrics, flower_metrics = {}, {}
                if client_clip == "fixed":
                    compute_clip_model_update(p, current, norm)
                elif client_clip == "adaptive":
                    bit = bool(compute_adaptive_clip_model_update(p, current, norm))
                    metrics = {"norm_bit": bit}
                    flower_metrics = {"norm_bit": (not bit) if andrew else bit}
                n = int(rng.integers(5, 100))
                results.append((Proxy(str(c)), FitRes(status=Status(Code.OK, ""),
                                                      parameters=ndarrays_to_parameters(p),
                                                      num_examples=n, metrics=flower_metrics)))
                recs.append({"cid": str(c), "parameters": [arr(x) for x in p], "num_examples": n,
                             "metrics": metrics})
            agg, _ = strategy.aggregate_fit(rnd, results, [])
            new = parameters_to_ndarrays(agg)
            out["rounds"].append({"round": rnd, "current_parameters": [arr(x) for x in current],
                                  "results": recs, "failures": 0, "expected": [arr(x) for x in new],
                                  "clipping_norm": norm, "next_clipping_norm": float(strategy.clipping_norm)})
            current = new
    finally:
        dp_adaptive_module.adaptive_clip_inputs_inplace = original
    return out


def dp_cases(seed):
    rng = np.random.default_rng(seed + 2)
    adaptive = {"noise_multiplier": 0.0, "num_sampled_clients": 5, "initial_clipping_norm": 0.5,
                "target_clipped_quantile": 0.5, "clip_norm_lr": 0.2}
    fixed = {"noise_multiplier": 0.0, "clipping_norm": 1.0, "num_sampled_clients": 5}
    a = lambda cls: (lambda p: cls(FedAvg(initial_parameters=p), noise_multiplier=0.0, num_sampled_clients=5,
                                   initial_clipping_norm=0.5, target_clipped_quantile=0.5, clip_norm_lr=0.2))
    return {
        # Round 1 uses the initial norm, so Flower's own (backwards) rule does not show yet.
        "dp-server-adaptive-clipping-no-noise": dp_case(
            "dp-server-adaptive-clipping-no-noise", a(DifferentialPrivacyServerSideAdaptiveClipping), adaptive,
            1, 5, rng),
        "dp-server-adaptive-clipping-andrew": dp_case(
            "dp-server-adaptive-clipping-andrew", a(DifferentialPrivacyServerSideAdaptiveClipping), adaptive,
            4, 5, rng, andrew=True),
        "dp-client-fixed-clipping-no-noise": dp_case(
            "dp-client-fixed-clipping-no-noise",
            lambda p: DifferentialPrivacyClientSideFixedClipping(FedAvg(initial_parameters=p), noise_multiplier=0.0,
                                                                 clipping_norm=1.0, num_sampled_clients=5),
            fixed, 2, 5, rng, client_clip="fixed"),
        "dp-client-adaptive-clipping-andrew": dp_case(
            "dp-client-adaptive-clipping-andrew", a(DifferentialPrivacyClientSideAdaptiveClipping), adaptive,
            4, 5, rng, client_clip="adaptive", andrew=True),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=2020)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    cases = {
        "fedavg": (lambda p: FedAvg(initial_parameters=p), {}, 1, 5, {}),
        "fedavg-inplace-off": (lambda p: FedAvg(initial_parameters=p, inplace=False), {"inplace": False}, 1, 5, {}),
        "fedprox": (lambda p: FedProx(initial_parameters=p, proximal_mu=0.1), {"proximal_mu": 0.1}, 1, 5, {}),
        "fedavgm": (lambda p: FedAvgM(initial_parameters=p, server_learning_rate=0.7, server_momentum=0.9),
                    {"server_learning_rate": 0.7, "server_momentum": 0.9}, 3, 5, {"stateful": True}),
        "fedadagrad": (lambda p: FedAdagrad(initial_parameters=p, eta=0.1, eta_l=0.1, tau=1e-3),
                       {"eta": 0.1, "eta_l": 0.1, "tau": 1e-3}, 3, 5, {"stateful": True}),
        "fedadam": (lambda p: FedAdam(initial_parameters=p, eta=0.1, eta_l=0.1, beta_1=0.9, beta_2=0.99, tau=1e-3),
                    {"eta": 0.1, "eta_l": 0.1, "beta_1": 0.9, "beta_2": 0.99, "tau": 1e-3}, 3, 5, {"stateful": True}),
        "fedyogi": (lambda p: FedYogi(initial_parameters=p, eta=0.01, eta_l=0.0316, beta_1=0.9, beta_2=0.99, tau=1e-3),
                    {"eta": 0.01, "eta_l": 0.0316, "beta_1": 0.9, "beta_2": 0.99, "tau": 1e-3}, 3, 5, {"stateful": True}),
        "fedmedian": (lambda p: FedMedian(initial_parameters=p), {}, 1, 6, {"outlier": True}),
        "fedtrimmedavg": (lambda p: FedTrimmedAvg(initial_parameters=p, beta=0.2), {"beta": 0.2}, 1, 10, {"outlier": True}),
        "krum": (lambda p: Krum(initial_parameters=p, num_malicious_clients=1, num_clients_to_keep=0),
                 {"num_malicious_clients": 1, "num_clients_to_keep": 0}, 1, 6, {"outlier": True}),
        "multikrum": (lambda p: Krum(initial_parameters=p, num_malicious_clients=1, num_clients_to_keep=3),
                      {"num_malicious_clients": 1, "num_clients_to_keep": 3}, 1, 6, {"outlier": True}),
        "bulyan": (lambda p: Bulyan(initial_parameters=p, num_malicious_clients=1, to_keep=0),
                   {"num_malicious_clients": 1, "to_keep": 0}, 1, 7, {"outlier": True}),
        "fault-tolerant-fedavg-accepts": (lambda p: FaultTolerantFedAvg(initial_parameters=p, min_completion_rate_fit=0.5),
                                          {"min_completion_rate_fit": 0.5}, 1, 4, {"failures": 2}),
        "fault-tolerant-fedavg-declines": (lambda p: FaultTolerantFedAvg(initial_parameters=p, min_completion_rate_fit=0.5),
                                           {"min_completion_rate_fit": 0.5}, 1, 2, {"failures": 3}),
        "qfedavg": (None, {"q_param": 0.2, "qffl_learning_rate": 0.1, "server_loss": 0.75}, 2, 5, {"qffl": True}),
        "dp-server-fixed-clipping-no-noise": (
            lambda p: DifferentialPrivacyServerSideFixedClipping(FedAvg(initial_parameters=p), noise_multiplier=0.0,
                                                                 clipping_norm=1.0, num_sampled_clients=5),
            {"noise_multiplier": 0.0, "clipping_norm": 1.0, "num_sampled_clients": 5}, 2, 5, {"stateful": True}),
    }
    for name, (make, hyper, rounds, k, opts) in cases.items():
        if name == "qfedavg":
            make = lambda p, h=hyper: QFedAvg(initial_parameters=p, q_param=h["q_param"],
                                              qffl_learning_rate=h["qffl_learning_rate"],
                                              evaluate_fn=lambda rnd, params, cfg: (h["server_loss"], {}))
        fixture = run_case(name, make, rounds, k, rng, hyper, **opts)
        with open(os.path.join(a.out, name + ".json"), "w") as f:
            json.dump(fixture, f)
    with open(os.path.join(a.out, "fedavg-evaluate.json"), "w") as f:
        json.dump(evaluate_case(rng), f)
    with open(os.path.join(a.out, "sampling.json"), "w") as f:
        json.dump(sampling_case(), f)
    dp = dp_cases(a.seed)
    for name, fixture in dp.items():
        with open(os.path.join(a.out, name + ".json"), "w") as f:
            json.dump(fixture, f)
    mixed = mixed_cases(a.seed)
    for name, fixture in mixed.items():
        with open(os.path.join(a.out, name + ".json"), "w") as f:
            json.dump(fixture, f)
    print("wrote", len(cases) + 2 + len(dp) + len(mixed), "fixtures to", a.out)


if __name__ == "__main__":
    main()
