"""Inputs read from Home Assistant: prices, PV and weather forecasts, load history.

Each module adapts one kind of source to the pure `core.inputs` types; `reader` gathers
them for the coordinator.
"""
