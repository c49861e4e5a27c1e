"""Benchmark of the planner on real price, PV and load series (not a test)."""
