"""Register profile types: how one Fox ESS model family lays out its Modbus registers.

Profiles are data (see `profiles.py`); this module holds their shape and the pure
encoding rules shared by the client and the simulator:

- 32-bit values use two registers, high word at `address`, low word at `address + 1`
  (big-endian word order, as in the Fox ESS protocol documents).
- Powers are read in W (0.1 W on one meter) and converted to kW; `sign` turns the inverter's convention into
  ours (grid: + import; battery: + charge).
- Settings are written with function 6 (write single register), one register at a time;
  32-bit remote-control power and charge periods are written as one block (function 16).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import re


class RegisterKind(StrEnum):
    """Modbus table a register is read from (writes always go to holding registers)."""

    HOLDING = "holding"
    INPUT = "input"


class WorkMode(StrEnum):
    """Inverter work modes `ems` uses."""

    SELF_USE = "self_use"
    FEED_IN_FIRST = "feed_in_first"
    BACK_UP = "back_up"


@dataclass(frozen=True, kw_only=True, slots=True)
class Register:
    """One 16- or 32-bit numeric register."""

    address: int
    words: int = 1
    signed: bool = True

    def decode(self, raw: list[int]) -> int:
        """Turn the raw words (high word first) into an integer."""
        value = 0
        for word in raw[: self.words]:
            value = (value << 16) | (word & 0xFFFF)
        bits = 16 * self.words
        if self.signed and value >= 1 << (bits - 1):
            value -= 1 << bits
        return value

    def encode(self, value: int) -> list[int]:
        """Turn an integer into raw words, high word first."""
        bits = 16 * self.words
        low, high = (
            (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
            if self.signed
            else (0, (1 << bits) - 1)
        )
        if not low <= value <= high:
            raise ValueError(f"{value} does not fit register {self.address}")
        value &= (1 << bits) - 1
        return [
            (value >> (16 * (self.words - 1 - i))) & 0xFFFF for i in range(self.words)
        ]

    @property
    def addresses(self) -> range:
        """Every address this register occupies."""
        return range(self.address, self.address + self.words)


@dataclass(frozen=True, kw_only=True, slots=True)
class PowerReading:
    """Registers whose sum is one power: W per raw unit, and the sign giving our convention."""

    registers: tuple[Register, ...]
    sign: int = 1
    watts_per_unit: float = 1.0

    def kw(self, raws: list[int]) -> float:
        """Power in kW from each register's decoded value."""
        return self.sign * sum(raws) * self.watts_per_unit / 1000

    def raw(self, kw: float) -> int:
        """Raw value for one register so that `kw` reads back (the inverse of `kw`, one register)."""
        return round(kw * 1000 / (self.sign * self.watts_per_unit))


@dataclass(frozen=True, kw_only=True, slots=True)
class TelemetryRegisters:
    """Where SoC and the four powers live; `kind` is the table they are read from."""

    kind: RegisterKind
    soc: Register
    pv: PowerReading
    grid: PowerReading  # + import
    battery: PowerReading  # + charge
    load: PowerReading
    # The inverter's battery voltage in 0.1 V: turns a power cap into a current limit.
    battery_voltage: Register


@dataclass(frozen=True, kw_only=True, slots=True)
class SettingsRegisters:
    """Settings: work mode, currents in 0.1 A, SoC limits in %."""

    kind: RegisterKind
    work_mode: int
    work_mode_values: tuple[tuple[WorkMode, int], ...]
    max_charge_current: int
    max_discharge_current: int
    min_soc: int
    min_soc_on_grid: int

    def work_mode_value(self, mode: WorkMode) -> int:
        """Register value of a work mode."""
        return dict(self.work_mode_values)[mode]

    def work_mode_of(self, value: int) -> WorkMode | None:
        """Work mode of a register value, None for modes `ems` does not use."""
        return next((mode for mode, raw in self.work_mode_values if raw == value), None)


@dataclass(frozen=True, kw_only=True, slots=True)
class RemoteControlRegisters:
    """Remote control: enable flag, watchdog timeout in s, active power in W (+ export)."""

    enable: int
    timeout: int
    active_power: Register


@dataclass(frozen=True, kw_only=True, slots=True)
class FirmwareRegister:
    """Manager firmware version: hex-coded (0x0133 is 1.33) or decimal (133 is 1.33)."""

    kind: RegisterKind
    address: int
    hex_coded: bool

    def version(self, raw: int) -> tuple[int, int] | None:
        """(major, minor) of a raw value, None when the register holds nothing."""
        if raw in (0, 0xFFFF):
            return None
        if self.hex_coded:
            return _hex_digits(raw >> 8), _hex_digits(raw & 0xFF)
        return raw // 100, raw % 100


@dataclass(frozen=True, kw_only=True, slots=True)
class FoxEssProfile:
    """Every register `ems` uses on one model family (and firmware range)."""

    name: str
    family: str
    telemetry: TelemetryRegisters
    settings: SettingsRegisters
    remote_control: RemoteControlRegisters | None
    firmware: FirmwareRegister
    serial_register: int | None = None
    forbidden_ranges: tuple[tuple[int, int], ...] = ()

    def is_forbidden(self, start: int, count: int) -> bool:
        """Whether reading `count` registers from `start` touches a range that must never be read."""
        end = start + count - 1
        return any(low <= end and start <= high for low, high in self.forbidden_ranges)


MODEL_REGISTER = 30000
MODEL_REGISTER_COUNT = 16
SERIAL_REGISTER_COUNT = 16


def decode_ascii(registers: list[int]) -> str:
    """Decode a model or serial string: one character per register, or two packed (high byte first)."""
    if registers and registers[0] & 0xFF00:
        chars = [byte for word in registers for byte in (word >> 8, word & 0xFF)]
    else:
        chars = [word & 0xFF for word in registers]
    text = ""
    for char in chars:
        if not 0x20 <= char < 0x7F:
            break
        text += chr(char)
    return text.strip()


def encode_ascii(text: str, count: int, *, packed: bool) -> list[int]:
    """Encode a string the way `decode_ascii` reads it, padded with zeros to `count` registers."""
    data = text.encode("ascii")
    if packed:
        data += b"\0" * (len(data) % 2)
        words = [data[i] << 8 | data[i + 1] for i in range(0, len(data), 2)]
    else:
        words = list(data)
    return (words + [0] * count)[:count]


def parse_version(text: str) -> tuple[int, int]:
    """Parse "1.33" into (1, 33)."""
    match = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", text)
    if match is None:
        raise ValueError(f"Not a firmware version: {text!r}")
    return int(match[1]), int(match[2])


def _hex_digits(value: int) -> int:
    """Read a byte's hex digits as a decimal number: 0x33 is 33 (0x3A stays 58)."""
    digits = f"{value:X}"
    return int(digits) if digits.isdigit() else value
