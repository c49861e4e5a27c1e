"""Which Fox ESS is at the address: its model string, firmware and register profile."""

from __future__ import annotations

from collections.abc import Sequence

from .checked import CheckedRegisters
from .data import InverterInfo
from .errors import InverterProtocolError, ModelMismatchError, RefusedModelError
from .profiles import (
    H1_G1,
    H1_LAN_REASON,
    H1_LAN_WHY,
    PROFILES,
    kh_profile,
    model_family,
)
from .registers import (
    MODEL_REGISTER,
    MODEL_REGISTER_COUNT,
    SERIAL_REGISTER_COUNT,
    FirmwareRegister,
    FoxEssProfile,
    RegisterKind,
    decode_ascii,
)
from .transport import ModbusTransport

# Where the KH keeps its manager version, newest firmware first.
_KH_FIRMWARE_REGISTERS = (
    FirmwareRegister(kind=RegisterKind.HOLDING, address=36003, hex_coded=True),
    FirmwareRegister(kind=RegisterKind.HOLDING, address=30018, hex_coded=True),
    FirmwareRegister(kind=RegisterKind.INPUT, address=10018, hex_coded=False),
)


async def async_identify(
    transport: ModbusTransport,
    registers: CheckedRegisters,
    *,
    expected_model: str | None,
    firmware: tuple[int, int] | None,
) -> tuple[FoxEssProfile, InverterInfo]:
    """Read the model string and firmware; return the register profile and what was found.

    `expected_model` makes another model an error; `firmware` overrides the KH's
    firmware detection.
    """
    model = await _async_read_model(transport)
    if expected_model is not None and model != expected_model:
        raise ModelMismatchError(expected=expected_model, actual=model)
    family = model_family(model)
    version = firmware
    if family == "KH":
        if version is None:
            version = await _async_first_version(registers, _KH_FIRMWARE_REGISTERS)
        profile = kh_profile(version)
    else:
        profile = PROFILES[family]
        if profile is H1_G1:
            await _async_refuse_lan_port(registers, model)
        version = version or await _async_first_version(registers, (profile.firmware,))
    serial = None
    if profile.serial_register is not None:
        raw = await transport.async_read(
            RegisterKind.HOLDING, profile.serial_register, SERIAL_REGISTER_COUNT
        )
        serial = decode_ascii(raw) or None
    return profile, InverterInfo(
        model=model,
        profile=profile.name,
        serial=serial,
        firmware=f"{version[0]}.{version[1]:02d}" if version else None,
    )


async def _async_read_model(transport: ModbusTransport) -> str:
    """Return the model string the inverter reports."""
    raw = await transport.async_read(
        RegisterKind.HOLDING, MODEL_REGISTER, MODEL_REGISTER_COUNT
    )
    return decode_ascii(raw)


async def _async_refuse_lan_port(registers: CheckedRegisters, model: str) -> None:
    """Refuse an H1/AC1 G1 on its own LAN port: no input registers, holding 31xxx."""
    try:
        await registers.async_read_one(RegisterKind.INPUT, H1_G1.telemetry.soc.address)
    except InverterProtocolError as err:
        try:
            await registers.async_read_one(RegisterKind.HOLDING, 31024)
        except InverterProtocolError:
            raise err from None
        raise RefusedModelError(model, H1_LAN_REASON, H1_LAN_WHY) from err


async def _async_first_version(
    registers: CheckedRegisters, candidates: Sequence[FirmwareRegister]
) -> tuple[int, int] | None:
    """Return the first firmware version one of `candidates` holds."""
    for candidate in candidates:
        try:
            raw = await registers.async_read_one(candidate.kind, candidate.address)
        except InverterProtocolError:
            continue
        version = candidate.version(raw)
        if version is not None:
            return version
    return None
