"""Benchmark of twinning-kg at world scale: synthetic data generator and runner (make bench)."""
