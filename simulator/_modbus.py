"""The pymodbus server side, for pymodbus 3.8/3.9 (slave contexts) and 3.10+ (device contexts).

3.10+ lets a datastore answer any Modbus exception code. 3.8 only knows `validate()`
(answered as ILLEGAL_ADDRESS) and datastore exceptions (answered as SLAVE_FAILURE), so
there every injected code other than 2 reaches the client as 4.
"""

from __future__ import annotations

from collections.abc import Awaitable
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


class ModbusFault(Exception):
    """A request answered with a Modbus exception code."""

    def __init__(self, code: int) -> None:
        """Keep the code."""
        super().__init__(f"Modbus exception {code}")
        self.code = code


class RegisterStore(Protocol):
    """What the simulated inverter offers the server."""

    def address_error(self, function_code: int, address: int, count: int) -> int | None:
        """Return an exception code for a request that can never succeed, else None."""

    async def async_read(
        self, function_code: int, address: int, count: int
    ) -> list[int]:
        """Answer a read; raise ModbusFault to answer with an exception."""

    async def async_write(self, address: int, values: list[int]) -> None:
        """Store a write; raise ModbusFault to answer with an exception."""

    def stored(self, address: int, count: int) -> list[int]:
        """Return values as stored, without side effects (the echo of a write)."""


class _Context(_BASE):  # type: ignore[misc]
    """Datastore context that forwards every request to the simulated inverter."""

    def __init__(self, store: RegisterStore) -> None:
        self._store = store

    def reset(self) -> None:
        """Nothing to reset: the inverter owns its state."""

    def validate(self, function_code: int, address: int, count: int = 1) -> bool:
        """Answer static address errors (pymodbus 3.8/3.9 only)."""
        return self._store.address_error(function_code, address, count) is None

    async def async_getValues(
        self, function_code: int, address: int, count: int = 1
    ) -> Any:  # noqa: N802
        """Answer a read, or echo a write."""
        if function_code in (6, 16):
            return self._store.stored(address, count)
        return await self._answer(self._store.async_read(function_code, address, count))

    async def async_setValues(
        self, function_code: int, address: int, values: list[int]
    ) -> Any:  # noqa: N802
        """Store a write."""
        return await self._answer(self._store.async_write(address, list(values)))

    async def _answer(self, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except ModbusFault as fault:
            if ExcCodes is None:
                raise
            return ExcCodes(fault.code)


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
