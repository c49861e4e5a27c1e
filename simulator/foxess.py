"""A simulated Fox ESS inverter on a real pymodbus TCP server, for tests and `scripts/develop`.

It holds one register profile's map (the same profile data the client uses), a model
string and firmware version, PV following the sun, a house load, and a battery whose
SoC follows self use, feed-in first, back-up and remote-control power. The remote-control
watchdog counts down in simulated time and, when it expires, disables remote control so
the work mode takes over again. Reads touching a forbidden range are refused with
ILLEGAL_ADDRESS, as the real inverters do.

Simulated time runs at `time_scale` times real time, and `advance()` jumps it forward,
so tests never wait; `frozen` stops it rewriting telemetry registers. Faults:
`fail_next()` (Modbus exceptions), `drop_next()` (the connection drops instead of an
answer), `drop_connection()`, `delay` (every answer late), `stick()` (a register that
acknowledges writes and keeps its value), `lose_write_replies()` and
`delay_write_replies()` (a write is stored, its answer lost or late), `one_client`
(like many Wi-Fi adapters, a second connection is closed while one is open) and
`max_read` (an adapter that cannot answer longer reads). The hardware behaviours of
`plant` (`simulator._physics`): PV curtailed at a set-point (H3-Smart/Pro), commands
accepted and ignored, BMS derating.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import time

from custom_components.ems.core.inverters.foxess.profiles import PROFILES, kh_profile
from custom_components.ems.core.inverters.foxess.registers import (
    MODEL_REGISTER,
    MODEL_REGISTER_COUNT,
    SERIAL_REGISTER_COUNT,
    FoxEssProfile,
    PowerReading,
    Register,
    WorkMode,
    encode_ascii,
    parse_version,
)

from ._modbus import (
    DEVICE_FAILURE,
    GATEWAY_TARGET_NO_RESPONSE,
    ILLEGAL_ADDRESS,
    ILLEGAL_VALUE,
    REFUSES_ONLY_WITH_ILLEGAL_ADDRESS,
    InverterServer,
)
from ._models import MODELS
from ._physics import BATTERY_VOLTAGE, Flows, InverterState, Plant, flows

# A reply that never comes: longer than any client waits.
LOST_REPLY_SECONDS = 3600.0


class FoxEssSimulator:
    """A Fox ESS inverter: registers, physics and fault injection behind a Modbus TCP server."""

    def __init__(
        self,
        *,
        model: str = "KH",
        firmware: str | None = None,
        unit_id: int = 247,
        capacity_kwh: float = 10.0,
        soc_percent: float = 50.0,
        max_battery_w: int = 5000,
        pv_peak_w: int = 4000,
        base_load_w: int = 400,
        start_hour: float = 12.0,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        one_client: bool = False,
        max_read: int | None = None,
    ) -> None:
        """Build the register map of `model` (a key of MODELS) at `firmware` (KH: picks the profile)."""
        spec = MODELS[model]
        self.firmware = firmware or spec.firmware
        self.profile: FoxEssProfile = (
            kh_profile(parse_version(self.firmware))
            if spec.profile == "KH"
            else PROFILES[spec.profile]
        )
        self._packed = spec.packed
        self._input_registers = spec.input_registers
        self.max_read = max_read
        self.capacity_kwh = capacity_kwh
        self.soc_percent = soc_percent
        self.plant = Plant(
            pv_peak_w=pv_peak_w,
            base_load_w=base_load_w,
            max_battery_w=max_battery_w,
            curtails_at_setpoint=spec.curtails_at_setpoint,
        )
        self.time_scale = time_scale
        self.delay = 0.0
        self.writes: list[tuple[int, tuple[int, ...]]] = []
        self._clock = clock
        self._last_tick = clock()
        self._seconds = start_hour * 3600
        self._registers: dict[int, int] = {}
        self._writable: set[int] = set()
        self._stuck: set[int] = set()
        self._faults: list[int] = []
        self._drops = 0
        self._drops_after = 0
        self.frozen = False
        self._delayed: set[asyncio.Task[object]] = set()
        self._watchdog_left = 0.0
        # address -> seconds the answer to the next write there is late
        self._late_replies: dict[int, float] = {}
        self._offline_after: set[int] = set()
        self._offline = False
        self._last_write = 0
        self._server = InverterServer(self, unit_id=unit_id, one_client=one_client)
        self._build_registers(spec.model_string)
        self._publish()

    # ----------------------------------------------------------------- test API
    @property
    def port(self) -> int:
        """The TCP port actually bound."""
        return self._server.port

    async def async_start(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port; port 0 binds a free port (see `port`)."""
        await self._server.async_start(host, port)

    async def async_stop(self) -> None:
        """Stop the server, cancelling requests still being delayed."""
        delayed = list(self._delayed)
        for task in delayed:
            task.cancel()
        await asyncio.gather(*delayed, return_exceptions=True)
        await self._server.async_stop()

    def holding(self, address: int) -> int:
        """Raw value of a register (holding and input registers share one address space here)."""
        return self._registers.get(address, 0)

    def set_holding(self, address: int, value: int) -> None:
        """Set a raw register value, bypassing Modbus (remote-control registers restart the watchdog)."""
        self._registers[address] = value & 0xFFFF
        self._restart_watchdog_on(address)

    def value(self, register: Register) -> int:
        """Return the decoded value of a (possibly 32-bit) register."""
        return register.decode([self.holding(a) for a in register.addresses])

    def set_model_string(self, model_string: str) -> None:
        """Change the model string (a different inverter answering at this address)."""
        for offset, word in enumerate(
            encode_ascii(model_string, MODEL_REGISTER_COUNT, packed=self._packed)
        ):
            self._registers[MODEL_REGISTER + offset] = word

    @property
    def refuses_only_with_illegal_address(self) -> bool:
        """Whether every refusal reaches the client as ILLEGAL_ADDRESS (pymodbus 3.8).

        There a refused value is not stored but acknowledged (see `simulator._modbus`).
        """
        return REFUSES_ONLY_WITH_ILLEGAL_ADDRESS

    def fail_next(self, exception_code: int = DEVICE_FAILURE, count: int = 1) -> None:
        """Answer the next `count` requests with a Modbus exception (always 2 on pymodbus 3.8)."""
        self._faults.extend([exception_code] * count)

    def clear_faults(self) -> None:
        """Answer normally again: forget the exceptions still queued by `fail_next`."""
        self._faults.clear()

    def drop_next(self, count: int = 1, *, after: int = 0) -> None:
        """Close the connection instead of answering `count` requests, after answering `after` more."""
        self._drops_after = after
        self._drops += count

    def drop_connection(self) -> None:
        """Close every client connection now."""
        self._server.drop_connections()

    def delay_write_reply(self, address: int, seconds: float) -> None:
        """Store the next write to `address`, then answer `seconds` late."""
        self._late_replies[address] = seconds

    def lose_write_reply(self, address: int) -> None:
        """Store the next write to `address` and never answer it."""
        self._late_replies[address] = LOST_REPLY_SECONDS

    def go_offline_after_write(self, address: int) -> None:
        """Store the next write to `address`, then drop every request until `back_online`."""
        self._offline_after.add(address)

    def back_online(self) -> None:
        """Answer requests again after `go_offline_after_write`."""
        self._offline = False

    def stick(self, address: int) -> None:
        """Acknowledge writes to `address` without storing them (a read-back mismatch)."""
        self._stuck.add(address)

    def advance(self, seconds: float) -> None:
        """Move simulated time forward."""
        self._tick()
        self._step(seconds)
        self._publish()

    @property
    def remote_control_enabled(self) -> bool:
        """Whether remote control is on."""
        remote = self.profile.remote_control
        return remote is not None and self.holding(remote.enable) == 1

    @property
    def work_mode(self) -> WorkMode | None:
        """Work mode the registers hold."""
        settings = self.profile.settings
        return settings.work_mode_of(self.holding(settings.work_mode))

    # ------------------------------------------------------- RegisterStore
    def check(self, function_code: int, address: int, count: int) -> int | None:
        """Answer an injected fault, a read of a forbidden range or a write outside the settings."""
        if self._faults:
            return self._faults.pop(0)
        if function_code == 4 and not self._input_registers:
            return ILLEGAL_ADDRESS
        if (
            function_code in (3, 4)
            and self.max_read is not None
            and count > self.max_read
        ):
            return GATEWAY_TARGET_NO_RESPONSE
        if function_code in (3, 4):
            forbidden_table = 4 if self.profile.telemetry.kind == "input" else 3
            if function_code == forbidden_table and self.profile.is_forbidden(
                address, count
            ):
                return ILLEGAL_ADDRESS
            return None
        if any(a not in self._writable for a in range(address, address + count)):
            return ILLEGAL_ADDRESS
        return None

    async def async_before_request(self) -> None:
        """Delay, or drop the connection instead of answering."""
        if self._offline:
            self._server.drop_connections()
            raise ConnectionAbortedError("simulated adapter offline")
        if self.delay:
            await self._sleep(self.delay)
        if self._drops and self._drops_after:
            self._drops_after -= 1
        elif self._drops:
            self._drops -= 1
            self._server.drop_connections()
            raise ConnectionAbortedError("simulated connection drop")

    async def async_after_write(self) -> None:
        """Delay, lose or drop the answer to a stored write, as configured."""
        address = self._last_write
        if address in self._offline_after:
            self._offline_after.discard(address)
            self._offline = True
            self._server.drop_connections()
            raise ConnectionAbortedError("simulated adapter gone after a write")
        if (seconds := self._late_replies.pop(address, None)) is not None:
            await self._sleep(seconds)

    def read(self, function_code: int, address: int, count: int) -> list[int]:
        """Answer a read with the state of the inverter now."""
        self._tick()
        self._publish()
        return self.stored(address, count)

    def write(self, address: int, values: list[int]) -> int | None:
        """Store a write, refusing values the inverter does not accept."""
        self._tick()
        if not self._valid_write(address, values):
            return ILLEGAL_VALUE
        self.writes.append((address, tuple(values)))
        self._last_write = address
        for offset, value in enumerate(values):
            if address + offset not in self._stuck:
                self._registers[address + offset] = value
        self._restart_watchdog_on(address)
        self._publish()
        return None

    def stored(self, address: int, count: int) -> list[int]:
        """Register values as stored."""
        return [self._registers.get(a, 0) for a in range(address, address + count)]

    # ------------------------------------------------------------- internals
    async def _sleep(self, seconds: float) -> None:
        """Wait before answering; `async_stop` cancels the wait."""
        task = asyncio.current_task()
        assert task is not None
        self._delayed.add(task)
        try:
            await asyncio.sleep(seconds)
        finally:
            self._delayed.discard(task)

    def _restart_watchdog_on(self, address: int) -> None:
        remote = self.profile.remote_control
        if remote is not None and address in (
            remote.enable,
            remote.timeout,
            *remote.active_power.addresses,
        ):
            self._watchdog_left = float(self.holding(remote.timeout))

    def _valid_write(self, address: int, values: list[int]) -> bool:
        settings = self.profile.settings
        if address == settings.work_mode:
            return values[0] in {raw for _, raw in settings.work_mode_values}
        if address in (settings.min_soc, settings.min_soc_on_grid):
            return 10 <= values[0] <= 100
        return True

    def _build_registers(self, model_string: str) -> None:
        self.set_model_string(model_string)
        major, minor = parse_version(self.firmware)
        firmware = self.profile.firmware
        raw = (
            int(f"{major:X}{minor:02d}", 16)
            if firmware.hex_coded
            else major * 100 + minor
        )
        self._registers[firmware.address] = raw
        if self.profile.serial_register is not None:
            serial = encode_ascii("SIMFOX0001", SERIAL_REGISTER_COUNT, packed=True)
            for offset, word in enumerate(serial):
                self._registers[self.profile.serial_register + offset] = word
        settings = self.profile.settings
        defaults = {
            settings.work_mode: settings.work_mode_value(WorkMode.SELF_USE),
            settings.min_soc: 10,
            settings.min_soc_on_grid: 10,
            settings.max_charge_current: 500,
            settings.max_discharge_current: 500,
        }
        remote = self.profile.remote_control
        if remote is not None:
            defaults |= {remote.enable: 0, remote.timeout: 0}
            defaults |= dict.fromkeys(remote.active_power.addresses, 0)
        self._registers |= defaults
        self._writable = set(defaults)

    def _tick(self) -> None:
        now = self._clock()
        self._step((now - self._last_tick) * self.time_scale)
        self._last_tick = now

    def _step(self, seconds: float) -> None:
        while seconds > 1e-9:
            chunk = min(seconds, 60.0)
            if self.remote_control_enabled:
                chunk = min(chunk, max(self._watchdog_left, 0.0))
            self._integrate(chunk)
            seconds -= chunk
            if self.remote_control_enabled:
                self._watchdog_left -= chunk
                if self._watchdog_left <= 1e-9:
                    assert self.profile.remote_control is not None
                    self._registers[self.profile.remote_control.enable] = 0

    def _integrate(self, seconds: float) -> None:
        battery_w = self.flows().battery
        self._seconds += seconds
        delta = battery_w * seconds / 3600 / (self.capacity_kwh * 1000) * 100
        self.soc_percent = min(100.0, max(0.0, self.soc_percent - delta))

    def flows(self) -> Flows:
        """PV, load, battery (+ discharge) and grid (+ import) power in W, right now."""
        settings = self.profile.settings
        remote = self.profile.remote_control
        return flows(
            self.plant,
            InverterState(
                soc_percent=self.soc_percent,
                min_soc_on_grid=self.holding(settings.min_soc_on_grid),
                remote_power_w=self.value(remote.active_power)
                if remote is not None and self.remote_control_enabled
                else None,
                work_mode=self.work_mode,
                charge_current_a=self.holding(settings.max_charge_current) / 10,
                discharge_current_a=self.holding(settings.max_discharge_current) / 10,
            ),
            self._seconds / 3600 % 24,
        )

    def _publish(self) -> None:
        if self.frozen:
            return
        now = self.flows()
        telemetry = self.profile.telemetry
        self._put(telemetry.soc, round(self.soc_percent))
        self._put(telemetry.battery_voltage, round(BATTERY_VOLTAGE * 10))
        self._put_power(telemetry.pv, now.pv, spread=False)
        self._put_power(telemetry.grid, now.grid, spread=True)
        self._put_power(telemetry.battery, -now.battery, spread=False)
        self._put_power(telemetry.load, now.load, spread=True)

    def _put_power(self, reading: PowerReading, watts: float, *, spread: bool) -> None:
        """Write `watts` (in our sign convention) over a reading's registers: per phase, or all on the first."""
        share = watts / len(reading.registers) if spread else watts
        for index, register in enumerate(reading.registers):
            self._put(
                register, reading.raw(share / 1000) if spread or index == 0 else 0
            )

    def _put(self, register: Register, value: int) -> None:
        for address, word in zip(
            register.addresses, register.encode(value), strict=True
        ):
            self._registers[address] = word
