#!/usr/bin/env python3
"""numpy's streaming read bandwidth and Flower's `aggregate_inplace`, to compare with
`pollen bench aggregate` (PollenRecipes' AggregationBenchmark).

Usage: python3 Benchmarks/aggregate_numpy.py [--reps N] KxP [KxP ...]
       (P may end in k or M: 10x1M is 10 updates of 1,000,000 float32.)

For each size, K float32 arrays of P elements (separate arrays, as K updates are), and one line
`KxP  numpy-read GB/s  numpy-add GB/s  flower GB/s`, each the best of N repetitions, counting the
K·P·4 bytes of the updates read:
- numpy-read: `x.sum()` over the K arrays, numpy's streaming read bandwidth (one core);
- numpy-add: `np.add(acc, x, out=acc)` into a float32 accumulator (read x, read and write acc);
- flower: `flwr.server.strategy.aggregate.aggregate_inplace` over K `FitRes` whose parameters
  hold the arrays as `ndarrays_to_parameters` encodes them, the input FedAvg.aggregate_fit hands
  it (so it includes Flower's `.npy` decoding of every update, as in a real round).
"""
import sys
import time

import numpy as np


def parse_size(text):
    k, p = text.lower().split("x")
    scale = 1
    if p.endswith("k"):
        p, scale = p[:-1], 1_000
    elif p.endswith("m"):
        p, scale = p[:-1], 1_000_000
    return int(k), int(float(p) * scale)


def best_of(reps, body):
    body()  # warm-up
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        body()
        best = min(best, time.perf_counter() - t)
    return best


def updates(k, p):
    rng = np.random.default_rng(0)
    return [rng.standard_normal(p, dtype=np.float32) for _ in range(k)]


def numpy_read(xs, reps):
    def body():
        for x in xs:
            x.sum()

    return best_of(reps, body)


def numpy_add(xs, reps):
    acc = np.zeros_like(xs[0])

    def body():
        acc[:] = 0
        for x in xs:
            np.add(acc, x, out=acc)

    # The zeroing is part of the loop; time it alone and subtract.
    zero = best_of(reps, lambda: acc.__setitem__(slice(None), 0))
    return max(best_of(reps, body) - zero, 1e-9)


def flower(xs, reps):
    from flwr.common import Code, FitRes, Status, ndarrays_to_parameters
    from flwr.server.strategy.aggregate import aggregate_inplace

    ok = Status(code=Code.OK, message="")
    results = [
        (None, FitRes(status=ok, parameters=ndarrays_to_parameters([x]), num_examples=10, metrics={}))
        for x in xs
    ]
    return best_of(reps, lambda: aggregate_inplace(results))


def main(argv):
    reps = 5
    sizes = []
    skip_flower = False
    i = 0
    while i < len(argv):
        if argv[i] == "--reps":
            reps = int(argv[i + 1])
            i += 2
        elif argv[i] == "--no-flower":
            skip_flower = True
            i += 1
        else:
            sizes.append(parse_size(argv[i]))
            i += 1
    for k, p in sizes or [(10, 1_000_000), (100, 1_000_000), (10, 10_000_000)]:
        xs = updates(k, p)
        gb = k * p * 4 / 1e9
        read = gb / numpy_read(xs, reps)
        add = gb / numpy_add(xs, reps)
        fl = float("nan") if skip_flower else gb / flower(xs, reps)
        print(f"{k}x{p}\t{read:.2f}\t{add:.2f}\t{fl:.2f}", flush=True)
        del xs


if __name__ == "__main__":
    main(sys.argv[1:])
