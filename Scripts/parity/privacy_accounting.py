#!/usr/bin/env python3
"""Writes the privacy-accounting fixtures computed by Google's dp-accounting 0.6.0.

Usage: python privacy_accounting.py [OUT_FILE]
       (default: Tests/PollenPrivacyTests/Resources/accounting.json)
Needs: dp-accounting==0.6.0 (in the package's .venv).

The fixture holds, for a grid of Gaussian mechanisms (noise multiplier z, sampling rate q,
steps T, delta), the epsilon dp-accounting reports:
  "rdp":  RdpAccountant with its default orders; "poisson" cases compose
          PoissonSampledDpEvent(q, GaussianDpEvent(z)) (add-or-remove-one), "without_replacement"
          cases compose SampledWithoutReplacementDpEvent(n, q*n, GaussianDpEvent(z)) with the
          REPLACE_ONE relation, "none" cases compose GaussianDpEvent(z); each also records the
          optimal order.
  "pld":  PLDAccountant (value_discretization_interval 1e-4), Poisson sampling on a trimmed grid
          (the PMFs of small z with large q and many steps run to millions of points), plus a
          few "none" cases.
  "rdp_delta", "pld_delta": delta for a given epsilon.
  "calibration": calibrate_dp_mechanism's noise multiplier for a target (epsilon, delta).
"""
import importlib.metadata, json, os, sys, time

from absl import logging as absl_logging
import dp_accounting as dpa
from dp_accounting import mechanism_calibration
from dp_accounting.pld import pld_privacy_accountant
from dp_accounting.rdp import rdp_privacy_accountant

NeighborRel = dpa.NeighboringRelation

ZS = [0.5, 0.8, 1.0, 1.1, 2.0, 5.0]
QS = [0.001, 0.01, 0.1, 0.5, 1.0]
STEPS = [1, 10, 100, 1000]
DELTAS = [1e-5, 1e-6]
DATASET_SIZE = 10_000  # q * n is an integer for every q above, and (q*n)/n == q exactly.


def event(z, q, sampling):
    gaussian = dpa.GaussianDpEvent(z)
    if sampling == "poisson":
        return dpa.PoissonSampledDpEvent(q, gaussian)
    if sampling == "without_replacement":
        m = round(q * DATASET_SIZE)
        assert m / DATASET_SIZE == q
        return dpa.SampledWithoutReplacementDpEvent(DATASET_SIZE, m, gaussian)
    assert sampling == "none"
    return gaussian


def rdp_accountant(sampling):
    relation = NeighborRel.REPLACE_ONE if sampling == "without_replacement" else NeighborRel.ADD_OR_REMOVE_ONE
    return rdp_privacy_accountant.RdpAccountant(neighboring_relation=relation)


def pld_accountant():
    return pld_privacy_accountant.PLDAccountant(value_discretization_interval=1e-4)


def case(z, q, sampling, steps, delta, epsilon, **extra):
    return dict(noise_multiplier=z, sampling_rate=q, sampling=sampling, steps=steps, delta=delta,
                epsilon=epsilon, **extra)


def rdp_cases():
    out = []
    for sampling in ["poisson", "without_replacement"]:
        for z in ZS:
            for q in QS:
                for steps in STEPS:
                    acc = rdp_accountant(sampling)
                    acc.compose(event(z, q, sampling), steps)
                    for delta in DELTAS:
                        eps, order = acc.get_epsilon_and_optimal_order(delta)
                        out.append(case(z, q, sampling, steps, delta, float(eps), order=float(order)))
    for z in ZS:
        for steps in STEPS:
            acc = rdp_accountant("none")
            acc.compose(event(z, 1.0, "none"), steps)
            for delta in DELTAS:
                eps, order = acc.get_epsilon_and_optimal_order(delta)
                out.append(case(z, 1.0, "none", steps, delta, float(eps), order=float(order)))
    return out


def pld_grid():
    """Poisson cases on a trimmed grid: a PMF's size grows with the privacy loss's range, so small
    z with large q and many steps (millions of points) stay out, and so do most z < 1.1 cases
    (each costs Pollen's debug-built tests about a second)."""
    for z in ZS:
        for q in QS:
            for steps in STEPS:
                if z < 1.1:
                    keep = (q <= 0.01 and steps in (1, 100)) or (q == 0.1 and steps == 1) \
                        or (z == 1.0 and (q, steps) in ((0.1, 100), (0.01, 1000)))
                elif z == 1.1:
                    keep = q <= 0.01 or (q == 0.1 and steps <= 100) or (q == 0.5 and steps == 1)
                elif z == 2.0:
                    keep = q <= 0.1 or steps <= 10
                else:
                    keep = q <= 0.1 or steps <= 100
                if keep:
                    yield z, q, steps


def pld_cases():
    out = []
    for z, q, steps in pld_grid():
        acc = pld_accountant()
        acc.compose(event(z, q, "poisson"), steps)
        for delta in DELTAS:
            out.append(case(z, q, "poisson", steps, delta, float(acc.get_epsilon(delta))))
    for z, steps in [(1.0, 1), (2.0, 1), (2.0, 10), (5.0, 1), (5.0, 10)]:
        acc = pld_accountant()
        acc.compose(event(z, 1.0, "none"), steps)
        for delta in DELTAS:
            out.append(case(z, 1.0, "none", steps, delta, float(acc.get_epsilon(delta))))
    return out


def delta_cases(make, grid):
    out = []
    for z, q, sampling, steps, epsilon in grid:
        acc = make(sampling)
        acc.compose(event(z, q, sampling), steps)
        out.append(dict(noise_multiplier=z, sampling_rate=q, sampling=sampling, steps=steps, epsilon=epsilon,
                        delta=float(acc.get_delta(epsilon))))
    return out


CALIBRATIONS = [
    # (accountant, epsilon, delta, q, sampling, steps)
    ("rdp", 1.0, 1e-5, 0.01, "poisson", 1000),
    ("rdp", 3.0, 1e-5, 0.1, "poisson", 100),
    ("rdp", 0.5, 1e-6, 0.001, "poisson", 1000),
    ("rdp", 2.0, 1e-6, 0.01, "without_replacement", 100),
    ("rdp", 8.0, 1e-5, 1.0, "none", 10),
    ("pld", 0.2, 1e-5, 0.01, "poisson", 1000),
    ("pld", 2.0, 1e-5, 0.1, "poisson", 10),
]


def calibration_cases():
    out = []
    for kind, epsilon, delta, q, sampling, steps in CALIBRATIONS:
        make = (lambda: rdp_accountant(sampling)) if kind == "rdp" else pld_accountant
        # dp-accounting's WOR bound divides by z, so its search starts above 0 (same root).
        bracket = mechanism_calibration.LowerEndpointAndGuess(1e-3 if sampling == "without_replacement" else 0, 1)
        z = mechanism_calibration.calibrate_dp_mechanism(
            make, lambda z: dpa.SelfComposedDpEvent(event(z, q, sampling), steps), epsilon, delta,
            bracket_interval=bracket)
        out.append(dict(accountant=kind, epsilon=epsilon, delta=delta, sampling_rate=q, sampling=sampling,
                        steps=steps, noise_multiplier=float(z)))
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "Tests", "PollenPrivacyTests", "Resources", "accounting.json")
    # _compute_log_a_frac warns for every order it cannot converge on (it drops them, as Pollen does).
    absl_logging.set_verbosity(absl_logging.ERROR)
    version = importlib.metadata.version("dp-accounting")
    assert version == "0.6.0", f"expected dp-accounting 0.6.0, found {version}"
    started = time.time()
    fixture = {"generator": f"dp-accounting {version}", "rdp": rdp_cases()}
    print(f"rdp: {len(fixture['rdp'])} cases ({time.time() - started:.1f} s)", file=sys.stderr)
    started = time.time()
    fixture["pld"] = pld_cases()
    print(f"pld: {len(fixture['pld'])} cases ({time.time() - started:.1f} s)", file=sys.stderr)
    fixture["rdp_delta"] = delta_cases(rdp_accountant, [
        (1.1, 0.01, "poisson", 100, 0.5), (1.1, 0.01, "poisson", 1000, 2.0),
        (0.8, 0.1, "without_replacement", 10, 1.0), (2.0, 1.0, "none", 10, 3.0)])
    fixture["pld_delta"] = delta_cases(lambda s: pld_accountant(), [
        (1.1, 0.01, "poisson", 100, 0.5), (2.0, 0.1, "poisson", 10, 0.5), (5.0, 1.0, "none", 1, 0.5)])
    started = time.time()
    fixture["calibration"] = calibration_cases()
    print(f"calibration: {len(fixture['calibration'])} cases ({time.time() - started:.1f} s)", file=sys.stderr)
    with open(out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
