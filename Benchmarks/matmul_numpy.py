#!/usr/bin/env python3
"""numpy float32 matmul GFLOP/s, to compare with `MatMulBenchmark` (PollenNN).

Usage: python3 Benchmarks/matmul_numpy.py [--reps N] [MxKxN | N ...]
Prints one line per shape: `MxKxN  GFLOP/s` (best of N repetitions, 2*M*K*N flops each).
The default shapes are the square ones and those PollenNN's models multiply.
"""
import sys
import time

import numpy as np

DEFAULT_SHAPES = [
    (256, 256, 256),
    (512, 512, 512),
    (1024, 1024, 1024),
    # MLP digits (batch 32): 32x64 · 64x64, backward 64x32 · 32x64
    (32, 64, 64),
    (64, 32, 64),
    # CNN forward, batch 32 (im2col): conv1 (32*784 x 25)·(25 x 32), conv2 (32*196 x 800)·(800 x 64)
    (25088, 25, 32),
    (6272, 800, 64),
    # CNN dense 3136 -> 512 and its weight gradient
    (32, 3136, 512),
    (3136, 32, 512),
]


def parse(shape):
    parts = [int(x) for x in shape.lower().split("x")]
    if len(parts) == 1:
        return parts[0], parts[0], parts[0]
    m, k, n = parts
    return m, k, n


def bench(m, k, n, reps):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2.0 * m * k * n / best / 1e9


def main(argv):
    reps = 10
    shapes = []
    i = 0
    while i < len(argv):
        if argv[i] == "--reps":
            reps = int(argv[i + 1])
            i += 2
        else:
            shapes.append(parse(argv[i]))
            i += 1
    for m, k, n in shapes or DEFAULT_SHAPES:
        print(f"{m}x{k}x{n}\t{bench(m, k, n, reps):.1f} GFLOP/s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
