"""The Flower 1.41 app of FleetInteropTests (a NumPy ClientApp, built with `flwr build`)."""
