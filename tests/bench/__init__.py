"""Tests of the benchmark's own ground truth (bench/execute.py)."""
