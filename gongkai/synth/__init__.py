"""Synthetic reports for tests, benchmarks and demos."""
