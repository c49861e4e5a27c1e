"""Fox ESS register profiles, one per model family and firmware range, and model detection.

Every address here was checked against at least two public sources; `docs/inverters.md`
lists which sources agree, where they differ and which single-source facts remain.
"""

from __future__ import annotations

from dataclasses import replace
import re

from .errors import RefusedModelError, UnsupportedModelError
from .registers import (
    FirmwareRegister,
    FoxEssProfile,
    PowerReading,
    Register,
    RegisterKind,
    RemoteControlRegisters,
    SettingsRegisters,
    TelemetryRegisters,
    WorkMode,
)

HOLDING = RegisterKind.HOLDING
INPUT = RegisterKind.INPUT

_CLASSIC_WORK_MODES = (
    (WorkMode.SELF_USE, 0),
    (WorkMode.FEED_IN_FIRST, 1),
    (WorkMode.BACK_UP, 2),
)


def _w(*addresses: int, words: int = 1, sign: int = 1) -> PowerReading:
    """Describe a power in W summed over registers of the same width."""
    return PowerReading(
        registers=tuple(Register(address=a, words=words) for a in addresses), sign=sign
    )


def _classic_settings(kind: RegisterKind) -> SettingsRegisters:
    """Describe the 41000-41011 settings block of the H1, KH and H3."""
    return SettingsRegisters(
        kind=kind,
        work_mode=41000,
        work_mode_values=_CLASSIC_WORK_MODES,
        max_charge_current=41007,
        max_discharge_current=41008,
        min_soc=41009,
        min_soc_on_grid=41011,
    )


_REMOTE_16 = RemoteControlRegisters(
    enable=44000, timeout=44001, active_power=Register(address=44002)
)
_SOC_31024 = Register(address=31024, signed=False)
_BATTERY_V_31020 = Register(address=31020)

H1_G1 = FoxEssProfile(
    name="H1_G1",
    family="H1",
    telemetry=TelemetryRegisters(
        kind=INPUT,
        soc=Register(address=11036, signed=False),
        pv=_w(11002, 11005),
        grid=_w(11021, sign=-1),  # + export on the H1
        battery=_w(11008, sign=-1),  # + discharge
        load=_w(11023),
        battery_voltage=Register(address=11006),
    ),
    settings=_classic_settings(INPUT),
    remote_control=_REMOTE_16,
    firmware=FirmwareRegister(kind=INPUT, address=10018, hex_coded=False),
    forbidden_ranges=((11096, 39999),),
)

H1_G2 = FoxEssProfile(
    name="H1_G2",
    family="H1",
    telemetry=TelemetryRegisters(
        kind=HOLDING,
        soc=_SOC_31024,
        # 32-bit in the documents, but the G2 leaves the high word unset: read the low word.
        pv=_w(39280, 39282),
        grid=_w(31014, sign=-1),
        battery=_w(31022, sign=-1),
        load=_w(31016),
        battery_voltage=_BATTERY_V_31020,
    ),
    settings=_classic_settings(HOLDING),
    remote_control=_REMOTE_16,
    firmware=FirmwareRegister(kind=HOLDING, address=36003, hex_coded=True),
    serial_register=30016,
)

_KH_FORBIDDEN = ((41001, 41006), (41012, 41012), (41019, 43999), (31055, 31999))

KH_PRE119 = FoxEssProfile(
    name="KH_PRE119",
    family="KH",
    telemetry=TelemetryRegisters(
        kind=INPUT,
        soc=Register(address=11036, signed=False),
        pv=_w(11002, 11005, 11098, 11101),
        grid=_w(11021),  # the KH reports + import, the opposite of the H1
        battery=_w(11008, sign=-1),
        load=_w(11023),
        battery_voltage=Register(address=11006),
    ),
    settings=_classic_settings(INPUT),
    remote_control=_REMOTE_16,
    firmware=FirmwareRegister(kind=INPUT, address=10018, hex_coded=False),
    forbidden_ranges=_KH_FORBIDDEN,
)

KH_PRE133 = FoxEssProfile(
    name="KH_PRE133",
    family="KH",
    telemetry=TelemetryRegisters(
        kind=HOLDING,
        soc=_SOC_31024,
        pv=_w(31002, 31005, 31041, 31044),
        grid=_w(31049, words=2),  # + import
        battery=_w(31022, sign=-1),
        load=_w(31053, words=2),
        battery_voltage=_BATTERY_V_31020,
    ),
    settings=_classic_settings(HOLDING),
    remote_control=_REMOTE_16,
    firmware=FirmwareRegister(kind=HOLDING, address=30018, hex_coded=True),
    forbidden_ranges=_KH_FORBIDDEN,
)

KH_133 = FoxEssProfile(
    name="KH_133",
    family="KH",
    telemetry=TelemetryRegisters(
        kind=HOLDING,
        soc=_SOC_31024,
        pv=_w(39279, 39281, 39283, 39285, words=2),
        grid=_w(39168, words=2, sign=-1),  # + export from firmware 1.33
        battery=_w(31022, sign=-1),
        load=_w(31016),
        battery_voltage=_BATTERY_V_31020,
    ),
    settings=_classic_settings(HOLDING),
    remote_control=_REMOTE_16,
    firmware=FirmwareRegister(kind=HOLDING, address=36003, hex_coded=True),
    serial_register=30016,
    forbidden_ranges=_KH_FORBIDDEN,
)

H3 = FoxEssProfile(
    name="H3",
    family="H3",
    telemetry=TelemetryRegisters(
        kind=HOLDING,
        soc=Register(address=31038, signed=False),
        pv=_w(31002, 31005),
        grid=_w(31026, 31027, 31028, sign=-1),  # per phase, + export
        battery=_w(31036, sign=-1),
        load=_w(31029, 31030, 31031),
        battery_voltage=Register(address=31034),
    ),
    settings=_classic_settings(HOLDING),
    remote_control=RemoteControlRegisters(
        enable=44000, timeout=44001, active_power=Register(address=44002, words=2)
    ),
    firmware=FirmwareRegister(kind=HOLDING, address=30018, hex_coded=True),
    forbidden_ranges=((41001, 41006), (41012, 41013), (41015, 41015)),
)

H3_SMART = FoxEssProfile(
    name="H3_SMART",
    family="H3_SMART",
    telemetry=TelemetryRegisters(
        kind=HOLDING,
        soc=Register(address=37612, signed=False),
        pv=_w(39279, 39281, 39283, 39285, 39287, 39289, words=2),
        grid=PowerReading(  # total meter power in 0.1 W, + export
            registers=(Register(address=38814, words=2),), sign=-1, watts_per_unit=0.1
        ),
        battery=_w(39237, words=2, sign=-1),
        load=_w(39225, words=2),
        battery_voltage=Register(address=39227),
    ),
    settings=SettingsRegisters(
        kind=HOLDING,
        work_mode=49203,
        work_mode_values=(
            (WorkMode.SELF_USE, 1),
            (WorkMode.FEED_IN_FIRST, 2),
            (WorkMode.BACK_UP, 3),
        ),
        max_charge_current=46607,
        max_discharge_current=46608,
        min_soc=46609,
        min_soc_on_grid=46611,
    ),
    remote_control=RemoteControlRegisters(
        enable=46001, timeout=46002, active_power=Register(address=46003, words=2)
    ),
    firmware=FirmwareRegister(kind=HOLDING, address=36003, hex_coded=True),
    serial_register=30016,
    forbidden_ranges=((41001, 41006), (41012, 41013), (41015, 41015)),
)

H3_PRO = replace(
    H3_SMART,
    name="H3_PRO",
    family="H3_PRO",
    forbidden_ranges=((37633, 37699), *H3_SMART.forbidden_ranges),
)

PROFILES: dict[str, FoxEssProfile] = {
    p.name: p
    for p in (H1_G1, H1_G2, KH_PRE119, KH_PRE133, KH_133, H3, H3_PRO, H3_SMART)
}

# Model string -> family, first match wins (G2 before G1, Pro/Smart before H3). Models
# sold under other names on the same registers are matched too (foxess_modbus lists them).
_MODEL_PATTERNS: tuple[tuple[tuple[str, ...], str], ...] = (
    ((r"^(?:AIO-)?(?:H1|AC1)-[\d.]+-E\d?-G2", r"^P1-[\d.]+-E"), "H1_G2"),
    ((r"^(?:AIO-)?(?:H1|AC1)-[\d.]+",), "H1_G1"),
    ((r"^KH-?[\d.]+",), "KH"),
    ((r"^[HP]3-Pro-[\d.]+",), "H3_PRO"),
    (
        (
            r"^H3-[\d.]+-(?:Smart|M)\b",
            r"^P3-[\d.]+-SH",
            r"^SK-HWR-[\d.]+ SMART",  # Sonnenkraft
            r"^I-X[\d.]+",  # Enpal
            r"^1K5-HI-\d+-V1",  # 1KOMMA5
        ),
        "H3_SMART",
    ),
    (
        (
            r"^(?:H3|AC3)-[\d.]+",
            r"^SK-HWR-[\d.]+",  # Sonnenkraft
            r"^STAR-H3-[\d.]+",
            r"^SP R\d+KH3",  # Solavita
            r"^AX [\d.]+kW-3ph",  # a-TroniX
        ),
        "H3",
    ),
)

# Models EMS recognises and refuses: pattern, reason (a translation key part), why.
_AIO_H3_WHY = (
    "no integration drives the AIO-H3's remote control, and it refuses the work mode "
    "register below manager firmware 1.01"
)
REFUSED_MODELS: tuple[tuple[str, str, str], ...] = (
    (r"^AIO-H3-", "aio_h3", _AIO_H3_WHY),
    (r"^EVO ", "evo", "the EVO has no known remote control over Modbus"),
    (r"^Kuara ", "kuara", "the Kuara H3 does not take remote control over Modbus"),
)
H1_LAN_REASON = "h1_lan"
H1_LAN_WHY = (
    "the H1/AC1 answers on its own LAN port with another register map, without work "
    "mode or SoC settings; connect a Modbus adapter to its RS485 port instead"
)


def model_family(model: str) -> str:
    """Family of a model string as read from registers 30000-30015."""
    for pattern, reason, why in REFUSED_MODELS:
        if re.match(pattern, model):
            raise RefusedModelError(model, reason, why)
    for patterns, family in _MODEL_PATTERNS:
        if any(re.match(pattern, model) for pattern in patterns):
            return family
    raise UnsupportedModelError(model)


def kh_profile(version: tuple[int, int] | None) -> FoxEssProfile:
    """KH profile for a manager firmware version (None: the latest)."""
    if version is None or version >= (1, 33):
        return KH_133
    if version >= (1, 19):
        return KH_PRE133
    return KH_PRE119
