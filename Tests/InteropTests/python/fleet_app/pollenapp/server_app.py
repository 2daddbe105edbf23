"""Unused on Pollen (its strategies replace the ServerApp); Flower's FAB validation needs one."""

from flwr.serverapp import ServerApp

app = ServerApp()
