"""The Fox ESS models the simulator can be: how each presents itself and which map it serves."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class SimulatedModel:
    """How one simulated model presents itself."""

    model_string: str
    packed: bool  # two characters per register (G2, Pro, Smart) or one
    firmware: str
    profile: str  # the register map served (KH: chosen by firmware)
    curtails_at_setpoint: bool = False  # PV curtailed at a remote set-point >= 0 W
    input_registers: bool = True  # False: input reads are refused (an H1's LAN port)


def _model(string: str, firmware: str, profile: str, **kwargs: bool) -> SimulatedModel:
    packed = profile in ("H1_G2", "H3_PRO", "H3_SMART")
    return SimulatedModel(
        model_string=string, packed=packed, firmware=firmware, profile=profile, **kwargs
    )


MODELS: dict[str, SimulatedModel] = {
    "H1-G1": _model("H1-5.0-E", "1.50", "H1_G1"),
    "H1-G2": _model("H1-5.0-E-G2", "1.44", "H1_G2"),
    "KH": _model("KH10.5", "1.33", "KH"),
    "H3": _model(" H3-10.0-E", "1.80", "H3"),
    "H3-Pro": _model("H3-Pro-15.0", "1.22", "H3_PRO", curtails_at_setpoint=True),
    "H3-Smart": _model("H3-10.0-Smart", "1.05", "H3_SMART", curtails_at_setpoint=True),
    # Sold under other names on the same registers, and models EMS refuses.
    "SK-HWR": _model("SK-HWR-8", "1.80", "H3"),
    "Enpal": _model("I-X10", "1.05", "H3_SMART", curtails_at_setpoint=True),
    "AIO-H3": _model("AIO-H3-10.0", "1.00", "H3"),
    "EVO": _model("EVO 10-5.0-H", "1.05", "H3_SMART"),
    # An H1 G1 on its own LAN port: its model string, holding registers 31xxx only.
    "H1-LAN": _model("H1-5.0-E", "1.44", "H1_G2", input_registers=False),
}
