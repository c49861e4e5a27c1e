"""Fox ESS hybrid inverters over Modbus TCP: register profiles as data and an async client."""

from .client import FoxEssClient
from .data import (
    InverterInfo,
    InverterSettings,
    LeftoverRemoteControl,
    RemoteControlState,
    Telemetry,
)
from .errors import (
    InverterConnectionError,
    InverterError,
    InverterProtocolError,
    InverterTimeoutError,
    ModelMismatchError,
    RefusedModelError,
    RemoteControlBusyError,
    UnsupportedFeatureError,
    UnsupportedModelError,
)
from .profiles import PROFILES
from .registers import FoxEssProfile, WorkMode

__all__ = [
    "PROFILES",
    "FoxEssClient",
    "FoxEssProfile",
    "InverterConnectionError",
    "InverterError",
    "InverterInfo",
    "InverterProtocolError",
    "InverterSettings",
    "InverterTimeoutError",
    "LeftoverRemoteControl",
    "ModelMismatchError",
    "RefusedModelError",
    "RemoteControlBusyError",
    "RemoteControlState",
    "Telemetry",
    "UnsupportedFeatureError",
    "UnsupportedModelError",
    "WorkMode",
]
