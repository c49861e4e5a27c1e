"""Tests of the inverter clients against a simulated inverter on 127.0.0.1."""
