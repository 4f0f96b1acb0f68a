"""Benchmarks: run as modules from the repo root (``python -m bench.ingest``); they print."""
