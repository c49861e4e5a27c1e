"""Async Fox ESS client: identify the inverter, read telemetry, write settings and remote control.

Every command reads the register first and writes only a value that differs, then reads
it back; a mismatch is written once more and then raised as `InverterProtocolError`.
The remote-control power is the exception: it is re-written on every `async_keep_alive`,
because that write is what keeps the inverter's watchdog from expiring.

Remote control is claimed before the first write that enables it, not when that write
is answered: a reply lost after the inverter stored the write still leaves the claim,
so releasing always writes the disable (and reads it back). A remote-control command
that does not read back is released at once: a failing command never stays in force,
and retrying it never refreshes the watchdog of a command that was not confirmed.
"""

from __future__ import annotations

import logging

from .checked import CheckedRegisters
from .data import (
    InverterInfo,
    InverterSettings,
    LeftoverRemoteControl,
    RemoteControlState,
    Telemetry,
)
from .errors import (
    InverterError,
    InverterProtocolError,
    ModelMismatchError,
    RemoteControlBusyError,
    UnsupportedFeatureError,
)
from .identify import async_identify
from .registers import (
    MODEL_REGISTER,
    MODEL_REGISTER_COUNT,
    FoxEssProfile,
    PowerReading,
    Register,
    RegisterKind,
    RemoteControlRegisters,
    WorkMode,
    decode_ascii,
    parse_version,
)
from .transport import DEFAULT_MAX_READ, HoldingReader, ModbusTransport

_LOGGER = logging.getLogger(__name__)

_REMOTE_KIND = RegisterKind.HOLDING


class FoxEssClient:
    """One Fox ESS inverter over Modbus TCP."""

    def __init__(
        self,
        *,
        host: str,
        port: int = 502,
        unit_id: int = 247,
        timeout: float = 3.0,
        expected_model: str | None = None,
        firmware: str | None = None,
        watchdog_seconds: int = 120,
        max_read: int = DEFAULT_MAX_READ,
    ) -> None:
        """Configure; nothing is sent until the first call.

        `expected_model` (the model string stored at setup) makes a different inverter at
        this address an error. `firmware` ("1.25") overrides KH firmware detection.
        `watchdog_seconds` is written as the remote-control timeout: about two control
        periods. `max_read` is the most registers the adapter answers in one read.
        """
        self._transport = ModbusTransport(
            host=host, port=port, unit_id=unit_id, timeout=timeout, max_read=max_read
        )
        self._registers = CheckedRegisters(self._transport)
        self._expected_model = expected_model
        self._firmware_override = parse_version(firmware) if firmware else None
        self._watchdog_seconds = watchdog_seconds
        self._info: InverterInfo | None = None
        self._profile: FoxEssProfile | None = None
        # True from the first attempt to enable remote control until a confirmed disable.
        self._remote_claimed = False
        self._active_power_w: int | None = None

    @property
    def info(self) -> InverterInfo | None:
        """What `async_identify` found, None before."""
        return self._info

    @property
    def active_power_w(self) -> int | None:
        """Remote-control power this client keeps alive (+ discharge, - charge), None when idle."""
        return self._active_power_w

    async def async_close(self) -> None:
        """Close the connection for good: later calls raise, nothing more is written."""
        self._transport.shut_down()

    async def async_identify(self) -> InverterInfo:
        """Read the model string and firmware and pick the register profile."""
        self._transport.on_connect = None
        self._profile, self._info = await async_identify(
            self._transport,
            self._registers,
            expected_model=self._expected_model,
            firmware=self._firmware_override,
        )
        self._transport.on_connect = self._async_check_model
        _LOGGER.debug("Identified %s", self._info)
        return self._info

    async def async_read_telemetry(self) -> Telemetry:
        """Read SoC, PV, grid, battery and load power."""
        profile = await self._async_profile()
        telemetry = profile.telemetry
        readings = (telemetry.pv, telemetry.grid, telemetry.battery, telemetry.load)
        registers = [
            telemetry.soc,
            telemetry.battery_voltage,
            *(r for reading in readings for r in reading.registers),
        ]
        values = await self._registers.async_read_many(
            telemetry.kind, registers, forbidden=profile.is_forbidden
        )

        voltage = values[telemetry.battery_voltage.address]

        def kw(reading: PowerReading) -> float:
            return round(reading.kw([values[r.address] for r in reading.registers]), 3)

        return Telemetry(
            soc_percent=float(values[telemetry.soc.address]),
            pv_kw=kw(telemetry.pv),
            grid_kw=kw(telemetry.grid),
            battery_kw=kw(telemetry.battery),
            load_kw=kw(telemetry.load),
            battery_voltage_v=volts if (volts := voltage / 10) > 0.0 else None,
        )

    async def async_read_settings(self) -> InverterSettings:
        """Read work mode, SoC limits and current limits."""
        settings = (await self._async_profile()).settings
        registers = [
            Register(address=a, signed=False)
            for a in (
                settings.work_mode,
                settings.min_soc,
                settings.min_soc_on_grid,
                settings.max_charge_current,
                settings.max_discharge_current,
            )
        ]
        values = await self._registers.async_read_many(
            settings.kind, registers, forbidden=None
        )
        return InverterSettings(
            work_mode=settings.work_mode_of(values[settings.work_mode]),
            min_soc_percent=values[settings.min_soc],
            min_soc_on_grid_percent=values[settings.min_soc_on_grid],
            max_charge_current_a=values[settings.max_charge_current] / 10,
            max_discharge_current_a=values[settings.max_discharge_current] / 10,
        )

    async def async_set_work_mode(self, mode: WorkMode) -> bool:
        """Set the work mode; True when something was written."""
        settings = (await self._async_profile()).settings
        return await self._registers.async_write_if_changed(
            settings.kind, settings.work_mode, settings.work_mode_value(mode)
        )

    async def async_set_min_soc_on_grid(self, percent: int) -> bool:
        """Set the minimum SoC while the grid is up."""
        settings = (await self._async_profile()).settings
        return await self._registers.async_write_if_changed(
            settings.kind, settings.min_soc_on_grid, _percent(percent)
        )

    async def async_set_max_charge_current(self, amps: float) -> bool:
        """Set the maximum battery charge current (0.1 A steps)."""
        settings = (await self._async_profile()).settings
        return await self._registers.async_write_if_changed(
            settings.kind, settings.max_charge_current, _deciamps(amps)
        )

    async def async_set_max_discharge_current(self, amps: float) -> bool:
        """Set the maximum battery discharge current (0.1 A steps)."""
        settings = (await self._async_profile()).settings
        return await self._registers.async_write_if_changed(
            settings.kind, settings.max_discharge_current, _deciamps(amps)
        )

    async def async_read_remote_control(self) -> RemoteControlState:
        """Read the remote-control registers."""
        remote = await self._async_remote()
        values = await self._registers.async_read_many(
            _REMOTE_KIND,
            [
                Register(address=remote.enable, signed=False),
                Register(address=remote.timeout, signed=False),
                remote.active_power,
            ],
            forbidden=None,
        )
        timeout = values[remote.timeout]
        return RemoteControlState(
            enabled=values[remote.enable] == 1,
            timeout_seconds=timeout,
            active_power_w=values[remote.active_power.address],
            ours=self._remote_claimed or timeout == self._watchdog_seconds,
        )

    async def async_force_charge(self, power_w: int) -> None:
        """Charge the battery at `power_w` from grid and PV; self use if control stops."""
        await self._async_take_remote_control(-abs(power_w))

    async def async_force_discharge(self, power_w: int) -> None:
        """Discharge at `power_w`; self use if control stops."""
        await self._async_take_remote_control(abs(power_w))

    async def async_keep_alive(self) -> RemoteControlState | None:
        """Re-write the remote-control power (call every control period); None when idle.

        If the watchdog expired meanwhile, remote control is enabled again. A power that
        does not read back releases remote control and raises.
        """
        if self._active_power_w is None:
            return None
        remote = await self._async_remote()
        power_w = self._active_power_w
        state = await self.async_read_remote_control()
        await self._async_commanded(remote, power_w, enable=not state.enabled)
        return await self.async_read_remote_control()

    async def async_release_remote_control(
        self, work_mode: WorkMode | None = WorkMode.SELF_USE
    ) -> bool:
        """End force charge/discharge and set `work_mode`; True when remote control was on.

        The disable is written whenever remote control is on and this client claimed it
        (whether or not its enable was answered) or it carries this client's watchdog
        signature, and read back. Another program's remote control is left alone, and
        so is the work mode then: it is that program's fallback.
        """
        self._active_power_w = None
        state = await self.async_read_remote_control()
        was_on = state.enabled and state.ours
        self._remote_claimed = False
        if state.enabled and not state.ours:
            _LOGGER.warning(
                "Remote control is on with a %s s timeout, not EMS's %s s: another "
                "program drives the inverter; EMS leaves it alone",
                state.timeout_seconds,
                self._watchdog_seconds,
            )
            return False
        if was_on:
            remote = await self._async_remote()
            await self._registers.async_write_verified(
                _REMOTE_KIND, Register(address=remote.enable, signed=False), 0
            )
        if work_mode is not None:
            await self.async_set_work_mode(work_mode)
        return was_on

    async def async_read_leftover_remote_control(self) -> LeftoverRemoteControl:
        """Return whether remote control is on at start-up, and whether it is EMS's own."""
        state = await self.async_read_remote_control()
        if not state.enabled:
            return LeftoverRemoteControl.NONE
        return (
            LeftoverRemoteControl.OURS if state.ours else LeftoverRemoteControl.FOREIGN
        )

    def adopt_remote_control(self, power_w: int) -> None:
        """Take over EMS's own remote control left running by the entry before a reload."""
        self._remote_claimed = True
        self._active_power_w = power_w

    async def _async_take_remote_control(self, power_w: int) -> None:
        """Enable remote control at `power_w` (+ export) over the self-use work mode.

        Self use is the fallback: when `ems` stops and the watchdog expires, the
        inverter runs the house on its own rather than staying in Back-up. Another
        program's remote control is not taken over.
        """
        remote = await self._async_remote()
        state = await self.async_read_remote_control()
        if state.enabled and not state.ours:
            raise RemoteControlBusyError(state.timeout_seconds)
        await self.async_set_work_mode(WorkMode.SELF_USE)
        await self._registers.async_write_if_changed(
            _REMOTE_KIND, remote.timeout, self._watchdog_seconds
        )
        await self._async_commanded(remote, power_w, enable=True)

    async def _async_commanded(
        self, remote: RemoteControlRegisters, power_w: int, *, enable: bool
    ) -> None:
        """Write the power (then the enable), verified; release everything if they fail."""
        if enable:
            self._remote_claimed = True
        try:
            await self._registers.async_write_verified(
                _REMOTE_KIND, remote.active_power, power_w
            )
            if enable:
                await self._registers.async_write_verified(
                    _REMOTE_KIND, Register(address=remote.enable, signed=False), 1
                )
        except InverterError as err:
            self._active_power_w = None
            try:
                await self.async_release_remote_control(WorkMode.SELF_USE)
            except InverterError as release_err:
                raise InverterProtocolError(
                    f"{err}; returning to self use failed too ({release_err}), the "
                    f"inverter's {self._watchdog_seconds} s watchdog ends remote control"
                ) from err
            raise InverterProtocolError(
                f"{err}; remote control was switched off (self use)"
            ) from err
        self._active_power_w = power_w

    async def _async_profile(self) -> FoxEssProfile:
        """Return the profile, identifying the inverter first."""
        if self._profile is None:
            await self.async_identify()
        assert self._profile is not None
        return self._profile

    async def _async_check_model(self, read: HoldingReader) -> None:
        """On every new connection: refuse a different inverter at the same address."""
        assert self._info is not None
        model = decode_ascii(await read(MODEL_REGISTER, MODEL_REGISTER_COUNT))
        if model != self._info.model:
            raise ModelMismatchError(expected=self._info.model, actual=model)

    async def _async_remote(self) -> RemoteControlRegisters:
        remote = (await self._async_profile()).remote_control
        if remote is None:
            raise UnsupportedFeatureError(
                "This inverter has no remote control over Modbus"
            )
        return remote


def _percent(value: int) -> int:
    if not 0 <= value <= 100:
        raise ValueError(f"SoC {value} is not within 0-100 %")
    return int(value)


def _deciamps(amps: float) -> int:
    if not 0 <= amps <= 6553.5:
        raise ValueError(f"Current {amps} A out of range")
    return round(amps * 10)
