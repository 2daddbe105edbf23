"""Benchmarks/compare_fleet.sh's Flower 1.41 app (built with `flwr build`)."""
