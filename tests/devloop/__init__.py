"""Tests of the development loop: the simulated house in config/."""
