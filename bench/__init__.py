"""Benchmarks and load runs for Vetted: `make bench`, `make soak`."""
