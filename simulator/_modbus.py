"""The pymodbus server side, for pymodbus 3.8/3.9 (slave contexts) and 3.10+ (device contexts).

3.10+ lets a datastore answer any Modbus exception code. 3.8 only knows `validate()`,
answered as ILLEGAL_ADDRESS (its answer to a datastore exception is a malformed frame), so
there every injected code reaches the client as 2, and a refused value is not stored
without an exception (the client sees a read-back mismatch).
"""

from __future__ import annotations

from typing import Any, Protocol

from pymodbus import datastore
from pymodbus.server import ModbusTcpServer

ILLEGAL_ADDRESS = 2
ILLEGAL_VALUE = 3
DEVICE_FAILURE = 4

_BASE: Any = (
    getattr(datastore, "ModbusBaseDeviceContext", None)
    or datastore.ModbusBaseSlaveContext
)
try:
    from pymodbus.constants import ExcCodes  # type: ignore[attr-defined]  # pymodbus >= 3.10
except ImportError:  # pymodbus 3.8/3.9
    ExcCodes = None


class RegisterStore(Protocol):
    """What the simulated inverter offers the server."""

    def check(self, function_code: int, address: int, count: int) -> int | None:
        """Return the exception code a request gets (an injected fault, a bad address), else None."""

    async def async_before_request(self) -> None:
        """Delay, or drop the connection (raising), as configured."""

    def read(self, function_code: int, address: int, count: int) -> list[int]:
        """Answer a read."""

    def write(self, address: int, values: list[int]) -> int | None:
        """Store a write; return an exception code for values the inverter refuses."""

    def stored(self, address: int, count: int) -> list[int]:
        """Return values as stored, without side effects (the echo of a write)."""


class _Context(_BASE):  # type: ignore[misc]
    """Datastore context that forwards every request to the simulated inverter."""

    def __init__(self, store: RegisterStore) -> None:
        self._store = store

    def reset(self) -> None:
        """Nothing to reset: the inverter owns its state."""

    def validate(self, function_code: int, address: int, count: int = 1) -> bool:
        """Refuse a request before it runs (called by pymodbus 3.8/3.9 only)."""
        return self._store.check(function_code, address, count) is None

    async def async_getValues(
        self, function_code: int, address: int, count: int = 1
    ) -> Any:  # noqa: N802
        """Answer a read, or echo a write."""
        if function_code in (6, 16):
            return self._store.stored(address, count)
        await self._store.async_before_request()
        if (
            ExcCodes is not None
            and (code := self._store.check(function_code, address, count)) is not None
        ):
            return ExcCodes(code)
        return self._store.read(function_code, address, count)

    async def async_setValues(
        self, function_code: int, address: int, values: list[int]
    ) -> Any:  # noqa: N802
        """Store a write."""
        await self._store.async_before_request()
        if (
            ExcCodes is not None
            and (code := self._store.check(function_code, address, len(values)))
            is not None
        ):
            return ExcCodes(code)
        code = self._store.write(address, list(values))
        return ExcCodes(code) if code is not None and ExcCodes is not None else None


class InverterServer:
    """A pymodbus TCP server answering for one unit id."""

    def __init__(self, store: RegisterStore, *, unit_id: int) -> None:
        """Build the server context; nothing listens until `async_start`."""
        server_context: Any = datastore.ModbusServerContext
        self._context = server_context({unit_id: _Context(store)}, single=False)
        self._server: Any = None
        self.port = 0

    async def async_start(self, host: str, port: int) -> None:
        """Listen on host:port (port 0 picks a free port, see `self.port`)."""
        self._server = ModbusTcpServer(self._context, address=(host, port))
        await self._server.serve_forever(background=True)
        if not self._server.transport:
            raise OSError(f"Cannot listen on {host}:{port}")
        self.port = self._server.transport.sockets[0].getsockname()[1]

    def drop_connections(self) -> None:
        """Close every client connection."""
        if self._server is not None:
            for connection in list(self._server.active_connections.values()):
                connection.close()

    async def async_stop(self) -> None:
        """Stop listening and close connections."""
        if self._server is not None:
            await self._server.shutdown()
            self._server = None
