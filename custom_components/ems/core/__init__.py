"""The pure core: everything that does not need Home Assistant.

Nothing in this package imports `homeassistant` (tests/test_architecture.py enforces
it). Inputs and outputs are frozen dataclasses; side effects are the Modbus client's
sockets only. The Home Assistant adapters (`sources`, `control_loop`, `books`) feed it
and carry out what it decides.
"""
