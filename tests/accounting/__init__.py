"""Tests of the pure accounting package: books, periods, counterfactuals, persistence."""
