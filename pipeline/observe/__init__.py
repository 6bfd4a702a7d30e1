"""Watching the worker: Prometheus metrics and consumer lag."""
