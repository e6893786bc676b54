"""Synthetic accounts at any size: a fake-API account for load tests, and the benchmark's segments."""
