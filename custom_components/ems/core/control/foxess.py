"""What each inverter-neutral command becomes on a Fox ESS inverter (which client call, which value).

Fox ESS remote control sets the inverter's AC active power (+ export, - import), not the
battery's: PV feeds the same AC output, and the house load sits on the grid side. A
battery power B (+ charging) with PV power P therefore needs an AC power of P - B. So:

- self use: work mode Self Use, remote control released, battery currents as they were.
- force charge at B: AC power P - B (import when B > P; PV beyond B is exported).
- force discharge at B: AC power P + B.
- hold: no set-point at all. Work mode Self Use with the maximum charge and discharge
  currents at 0 A: the battery stands still while PV keeps feeding the house and the
  grid. A set-point would follow readings up to a control period old, and on the
  H3-Smart/Pro a 0 W set-point curtails PV entirely (evcc, confirmed on hardware). The
  currents are the user's settings: the link keeps what they were and puts them back.
- self use with a cap (the plan stores only part of the surplus, or covers only part
  of the deficit): work mode Self Use with the maximum charge (or discharge) current
  at the cap over the battery's voltage, never above the user's own setting. A cap of
  0 is exact without a voltage; another cap needs the inverter's battery voltage, and
  without one the user's current stays (plain self use).
- zero export: self use while the battery takes the whole surplus (nothing is
  exported); when it cannot (full, or the surplus beyond its charge power), remote
  control at AC power = the house load, which curtails the PV the house does not use.
- minimum SoC: min SoC on grid (41011 on H1/KH/H3), leaving the off-grid minimum, so an
  outage can still use the reserve.

The remote-control power follows PV and load, so it changes between control periods;
`needs_write` tells when it moved enough to be re-sent rather than merely kept alive.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
import math

from custom_components.ems.core.inverters.foxess.registers import WorkMode
from custom_components.ems.planner.result import InverterMode

from .model import Command, SetMinSoc, SetMode

DEFAULT_POWER_TOLERANCE_W = 100
# A current within this much of the wanted one is set (the voltage drifts a little).
CURRENT_TOLERANCE_A = 0.5


class FoxEssCallKind(StrEnum):
    """The FoxEssClient call a command becomes."""

    SELF_USE = "self_use"  # async_release_remote_control(WorkMode.SELF_USE)
    HOLD = "hold"  # released, Self Use, max charge and discharge current 0 A
    SELF_USE_CAPPED = "self_use_capped"  # released, Self Use, lower current limits
    FORCE_CHARGE = "force_charge"  # async_force_charge(power_w): AC import
    FORCE_DISCHARGE = "force_discharge"  # async_force_discharge(power_w): AC export
    MIN_SOC_ON_GRID = "min_soc_on_grid"  # async_set_min_soc_on_grid(percent)


@dataclass(frozen=True, kw_only=True, slots=True)
class Currents:
    """The battery's maximum charge and discharge currents, A."""

    charge_a: float
    discharge_a: float


@dataclass(frozen=True, kw_only=True, slots=True)
class FoxEssCall:
    """One client call: `power_w` for remote control (>= 0), `percent` for the minimum SoC.

    A hold or capped self use carries its caps in kW; `currents` are what they come to
    on this battery (`with_currents`), None until then.
    """

    kind: FoxEssCallKind
    power_w: int = 0
    percent: int = 0
    max_charge_kw: float | None = None
    max_discharge_kw: float | None = None
    currents: Currents | None = None

    @property
    def limits_currents(self) -> bool:
        """Return whether this call lowers the battery's current limits."""
        return self.kind in (FoxEssCallKind.HOLD, FoxEssCallKind.SELF_USE_CAPPED)

    @property
    def work_mode(self) -> WorkMode | None:
        """Return the work mode this call sets directly, None for remote control."""
        if self.kind is FoxEssCallKind.SELF_USE or self.limits_currents:
            return WorkMode.SELF_USE
        return None

    @property
    def remote(self) -> bool:
        """Return whether this call is a remote-control power."""
        return self.kind in (
            FoxEssCallKind.FORCE_CHARGE,
            FoxEssCallKind.FORCE_DISCHARGE,
        )

    @property
    def active_power_w(self) -> int | None:
        """Return the remote-control active power as the inverter reports it (+ export)."""
        if self.kind is FoxEssCallKind.FORCE_CHARGE:
            return -self.power_w
        if self.kind is FoxEssCallKind.FORCE_DISCHARGE:
            return self.power_w
        return None


@dataclass(frozen=True, kw_only=True, slots=True)
class FoxEssReport:
    """What the Fox ESS client read back: work mode, remote control, min SoC on grid."""

    work_mode: WorkMode | None
    remote_enabled: bool
    # EMS's own (claimed by this client, or carrying its watchdog signature).
    remote_ours: bool = True
    active_power_w: int | None = None
    min_soc_on_grid_percent: int | None = None
    # The battery's maximum charge and discharge currents, A.
    charge_current_a: float | None = None
    discharge_current_a: float | None = None
    # EMS has lowered the currents (a hold or a cap) and keeps what they were.
    holding: bool = False

    @property
    def currents(self) -> Currents:
        """Return the reported current limits (0 A where not reported)."""
        return Currents(
            charge_a=self.charge_current_a or 0.0,
            discharge_a=self.discharge_current_a or 0.0,
        )


def foxess_call(
    command: Command,
    *,
    pv_kw: float | None,
    load_kw: float | None,
    curtail: bool = False,
) -> FoxEssCall:
    """Return the client call for `command`, given the PV and load power measured now.

    `curtail`: zero export must curtail PV (the battery cannot take the whole surplus).
    """
    if isinstance(command, SetMinSoc):
        return FoxEssCall(kind=FoxEssCallKind.MIN_SOC_ON_GRID, percent=command.percent)
    pv = max(pv_kw or 0.0, 0.0)
    battery = command.power_kw or 0.0
    match command.mode:
        case InverterMode.SELF_USE:
            return _self_use(command)
        case InverterMode.HOLD:
            return FoxEssCall(
                kind=FoxEssCallKind.HOLD, max_charge_kw=0.0, max_discharge_kw=0.0
            )
        case InverterMode.ZERO_EXPORT if not curtail:
            return _self_use(command)
        case InverterMode.ZERO_EXPORT:
            ac_kw = max(load_kw or 0.0, 0.0)
        case InverterMode.FORCE_CHARGE:
            ac_kw = pv - battery
        case InverterMode.FORCE_DISCHARGE:
            ac_kw = pv + battery
    watts = round(ac_kw * 1000)
    if watts < 0:
        return FoxEssCall(kind=FoxEssCallKind.FORCE_CHARGE, power_w=-watts)
    return FoxEssCall(kind=FoxEssCallKind.FORCE_DISCHARGE, power_w=watts)


def _self_use(command: SetMode) -> FoxEssCall:
    if command.max_charge_kw is None and command.max_discharge_kw is None:
        return FoxEssCall(kind=FoxEssCallKind.SELF_USE)
    return FoxEssCall(
        kind=FoxEssCallKind.SELF_USE_CAPPED,
        max_charge_kw=command.max_charge_kw,
        max_discharge_kw=command.max_discharge_kw,
    )


def with_currents(
    call: FoxEssCall, *, own: Currents, battery_v: float | None
) -> FoxEssCall:
    """Return `call` with the currents its caps come to, never above the user's `own`.

    A cap of 0 is 0 A; another cap is the cap over the battery voltage, rounded down
    to the register's 0.1 A. Without a voltage such a cap leaves the user's current.
    """
    if not call.limits_currents:
        return call

    def amps(cap_kw: float | None, own_a: float) -> float:
        if cap_kw is None:
            return own_a
        if cap_kw <= 0.0:
            return 0.0
        if battery_v is None or battery_v <= 0.0:
            return own_a
        return min(own_a, math.floor(cap_kw * 10_000 / battery_v) / 10)

    return replace(
        call,
        currents=Currents(
            charge_a=amps(call.max_charge_kw, own.charge_a),
            discharge_a=amps(call.max_discharge_kw, own.discharge_a),
        ),
    )


def needs_write(
    call: FoxEssCall,
    report: FoxEssReport,
    *,
    power_tolerance_w: int = DEFAULT_POWER_TOLERANCE_W,
) -> bool:
    """Return True when the inverter's report differs from what `call` would set.

    A remote-control call whose power is within `power_tolerance_w` of the reported one
    needs only the keep-alive re-write (`async_keep_alive`), not a new command.
    """
    if call.kind is FoxEssCallKind.MIN_SOC_ON_GRID:
        return report.min_soc_on_grid_percent != call.percent
    ours = report.remote_enabled and report.remote_ours
    foreign = report.remote_enabled and not report.remote_ours
    if call.kind is FoxEssCallKind.SELF_USE:
        # Another program's remote control is left alone, its fallback work mode too.
        work_mode = not foreign and report.work_mode is not WorkMode.SELF_USE
        return ours or work_mode or report.holding
    if call.limits_currents:
        currents = call.currents or Currents(charge_a=0.0, discharge_a=0.0)
        return (
            report.remote_enabled
            or report.work_mode is not WorkMode.SELF_USE
            or not _near(report.charge_current_a, currents.charge_a)
            or not _near(report.discharge_current_a, currents.discharge_a)
        )
    if report.holding:
        return True
    wanted = call.active_power_w
    return (
        not report.remote_enabled
        or report.active_power_w is None
        or wanted is None
        or abs(report.active_power_w - wanted) > power_tolerance_w
    )


def _near(reported: float | None, wanted: float) -> bool:
    """Return whether a reported current is the wanted one (0 A exactly)."""
    if reported is None:
        return False
    if wanted == 0.0:
        return reported == 0.0
    return abs(reported - wanted) <= CURRENT_TOLERANCE_A
