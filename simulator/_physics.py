"""The simulated house behind the inverter: PV, load and a battery, and how the inverter moves it.

The battery follows the inverter's state: remote control (the AC power set-point, PV
curtailed where the battery cannot take the rest), else the work mode (self use,
back-up, feed-in first), within its power, its maximum charge and discharge currents
(0 A stops it) and its SoC limits. Hardware behaviours the
simulator can show, as reported for real inverters:

- `curtails_at_setpoint`: with remote control at an AC power at or above 0 W, PV beyond
  the set-point is curtailed rather than stored (the H3-Smart at 0 W: evcc).
- `ignores_commands`: writes are stored and read back, the battery does not follow them
  (foxess_modbus #1113, after a firmware update): it runs self use as before.
- `derate_w`: the BMS allows no more than this power either way (a cold battery).
"""

from __future__ import annotations

from dataclasses import dataclass
import math

from custom_components.ems.core.inverters.foxess.registers import WorkMode

# The battery voltage that turns the current limits (A) into power limits (W).
BATTERY_VOLTAGE = 200.0


@dataclass(kw_only=True)
class Plant:
    """The house and the battery's hardware, and the behaviours under test."""

    pv_peak_w: int
    base_load_w: int
    max_battery_w: int
    curtails_at_setpoint: bool = False
    ignores_commands: bool = False
    derate_w: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class InverterState:
    """What the inverter's registers tell it to do."""

    soc_percent: float
    min_soc_on_grid: float
    remote_power_w: int | None  # remote control's AC power (+ export), None when off
    work_mode: WorkMode | None
    charge_current_a: float
    discharge_current_a: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Flows:
    """Power in W: PV produced, the load, battery (+ discharge), grid (+ import)."""

    pv: float
    load: float
    battery: float
    grid: float


def sun_and_load(plant: Plant, hour: float) -> tuple[float, float]:
    """Return the PV the sun allows and the house load at a time of day, W."""
    pv = (
        plant.pv_peak_w * max(0.0, math.sin(math.pi * (hour - 6) / 12))
        if 6 < hour < 18
        else 0.0
    )
    load = plant.base_load_w * (1.25 + 0.5 * math.sin(math.pi * hour / 4))
    return pv, load


def flows(plant: Plant, state: InverterState, hour: float) -> Flows:
    """Return the flows right now."""
    pv, load = sun_and_load(plant, hour)
    if plant.ignores_commands:
        state = InverterState(
            soc_percent=state.soc_percent,
            min_soc_on_grid=state.min_soc_on_grid,
            remote_power_w=None,
            work_mode=WorkMode.SELF_USE,
            charge_current_a=1000.0,
            discharge_current_a=1000.0,
        )
    limit = plant.max_battery_w
    if plant.derate_w is not None:
        limit = min(limit, round(plant.derate_w))
    max_charge = min(limit, state.charge_current_a * BATTERY_VOLTAGE)
    max_discharge = min(limit, state.discharge_current_a * BATTERY_VOLTAGE)
    if state.soc_percent >= 100:
        max_charge = 0
    if state.soc_percent <= state.min_soc_on_grid:
        max_discharge = 0
    setpoint = state.remote_power_w
    if setpoint is not None:
        wanted = setpoint - pv  # inverter output = the set-point
        if plant.curtails_at_setpoint and setpoint >= 0 and wanted < 0:
            pv, wanted = float(setpoint), 0.0  # PV cut to the set-point, none stored
    elif state.work_mode is WorkMode.SELF_USE:
        wanted = load - pv
    elif state.work_mode is WorkMode.BACK_UP:
        wanted = min(load - pv, 0.0)
    else:
        wanted = 0.0
    battery = min(max(wanted, -max_charge), max_discharge)
    if setpoint is not None and wanted < -max_charge:
        pv = setpoint + max_charge  # the output holds the set-point: PV is curtailed
    return Flows(pv=pv, load=load, battery=battery, grid=load - pv - battery)
