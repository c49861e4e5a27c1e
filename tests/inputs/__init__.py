"""Tests of the pure inputs package: adapters, alignment, load forecast."""
