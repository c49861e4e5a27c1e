"""Tests for the pure control policy and the Growatt time-of-use planner."""
