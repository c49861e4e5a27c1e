"""Errors raised by the Fox ESS client; the integration maps them to Home Assistant errors once."""

from __future__ import annotations


class InverterError(Exception):
    """Base class of every error the inverter client raises."""


class InverterConnectionError(InverterError):
    """The inverter cannot be reached, or the connection dropped and did not come back."""


class InverterTimeoutError(InverterError):
    """The inverter did not answer within the timeout."""


class InverterProtocolError(InverterError):
    """The inverter answered with a Modbus exception, or a written value did not read back."""

    def __init__(self, message: str, *, exception_code: int | None = None) -> None:
        """Keep the Modbus exception code, when there was one."""
        super().__init__(message)
        self.exception_code = exception_code


class UnsupportedModelError(InverterError):
    """The model string read from the inverter matches no known register profile."""

    def __init__(self, model: str) -> None:
        """Keep the model string the inverter reported."""
        super().__init__(f"Unsupported Fox ESS model {model!r}")
        self.model = model


class RefusedModelError(UnsupportedModelError):
    """A model EMS knows but does not control: `reason` names why (a translation key part)."""

    def __init__(self, model: str, reason: str, why: str) -> None:
        """Keep the model string, the reason's key and the English explanation."""
        InverterError.__init__(self, f"Fox ESS {model!r} is not supported: {why}")
        self.model = model
        self.reason = reason


class ModelMismatchError(InverterError):
    """The inverter reports a different model than the one configured."""

    def __init__(self, *, expected: str, actual: str) -> None:
        """Keep both model strings."""
        super().__init__(f"Expected inverter model {expected!r}, found {actual!r}")
        self.expected = expected
        self.actual = actual


class UnsupportedFeatureError(InverterError):
    """The command needs registers this inverter's profile does not have."""


class RemoteControlBusyError(InverterError):
    """Another program holds remote control (its watchdog timeout is not EMS's)."""

    def __init__(self, timeout_seconds: int) -> None:
        """Keep the other program's watchdog timeout."""
        super().__init__(
            f"Another program has remote control on (timeout {timeout_seconds} s); "
            "EMS does not take it over"
        )
        self.timeout_seconds = timeout_seconds
