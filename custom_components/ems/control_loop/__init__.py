"""The control loop: carries plans out on the inverter, with overrides and the event log.

`controller` runs the pure policy (`core.control.decide`) on a clock and writes through
a link: Fox ESS over Modbus (`core.control.link`) or Growatt through Home Assistant
(`growatt`).
"""
