"""The pymodbus server side of the simulator, for every pymodbus from 3.8 to 3.16.

The simulated inverter (a `RegisterStore`) answers every request. How it plugs into
pymodbus changed over the 3.x releases: up to 3.12 it is a device context (a subclass of
`ModbusBaseSlaveContext`, renamed `ModbusBaseDeviceContext` in 3.10) in a
`ModbusServerContext`; 3.13 removed that base class, so from there it is the action of a
`SimDevice` spanning every address, which serves each request from the inverter.

How a request can be refused changed too. 3.8 only asks `validate()`, before a request
runs, and answers a refusal as ILLEGAL_ADDRESS (its answer to a datastore exception is a
malformed frame): there every injected code reaches the client as 2, and a value the
inverter refuses is just not stored (the client sees a read-back mismatch). 3.9.2, 3.11.1
and later let the datastore return any exception code, and so does every SimDevice. On
3.9.0/3.9.1 (reads and writes) and 3.10.0/3.11.0 (reads) the refusal is raised instead,
which 3.10.0/3.11.0 answer as DEVICE_FAILURE and 3.9.0/3.9.1 with a malformed frame.
"""

from __future__ import annotations

from contextvars import ContextVar
import logging
import re
from typing import Any, Protocol

import pymodbus
from pymodbus import constants, datastore
from pymodbus.server import ModbusTcpServer

#: The exception codes a datastore returns (pymodbus >= 3.11.1), or None.
ExcCodes: Any = getattr(constants, "ExcCodes", None)

ILLEGAL_ADDRESS = 2
ILLEGAL_VALUE = 3
DEVICE_FAILURE = 4
GATEWAY_TARGET_NO_RESPONSE = 11


def _release(version: str) -> tuple[int, int, int]:
    """`3.11.2` as (3, 11, 2); a suffix such as `dev1` is ignored."""
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    if match is None:
        raise ImportError(f"Unknown pymodbus version {version}")
    major, minor, patch = match.groups(default="0")
    return int(major), int(minor), int(patch)


PYMODBUS = _release(pymodbus.__version__)

#: pymodbus 3.8 refuses a request only before it runs (`validate()`), as ILLEGAL_ADDRESS.
REFUSES_ONLY_WITH_ILLEGAL_ADDRESS = PYMODBUS < (3, 9)
# Whether a device context may return an exception code from a read, from a write; where
# it may not, the refusal is raised (see the module docstring).
_READ_RETURNS_CODE = (3, 9, 2) <= PYMODBUS < (3, 10) or PYMODBUS >= (3, 11, 1)
_WRITE_RETURNS_CODE = PYMODBUS >= (3, 9, 2)

#: The base class of a device context (pymodbus 3.8-3.12), or None: serve from a SimDevice.
_DEVICE_CONTEXT_BASE: Any = getattr(
    datastore, "ModbusBaseDeviceContext", None
) or getattr(datastore, "ModbusBaseSlaveContext", None)
if _DEVICE_CONTEXT_BASE is None:  # pymodbus >= 3.13
    from pymodbus.simulator import DataType, SimData, SimDevice

_ECHOED_WRITES = (6, 16)  # a write's answer reads the registers just written

# Set in the server's request handling, so that pymodbus's lines from the simulated
# inverter's side are told apart from the client's (tests check the client's).
_SERVING: ContextVar[bool] = ContextVar("simulator_serving", default=False)


class _ServerSideLines(logging.Filter):
    """Logs pymodbus's server-side lines as `simulator.pymodbus`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rename the lines of the simulated inverter's side."""
        if _SERVING.get():
            record.name = "simulator.pymodbus"
        return True


logging.getLogger("pymodbus.logging").addFilter(_ServerSideLines())


class RegisterStore(Protocol):
    """What the simulated inverter offers the server."""

    def check(self, function_code: int, address: int, count: int) -> int | None:
        """Return the exception code a request gets (an injected fault, a bad address), else None."""

    async def async_before_request(self) -> None:
        """Delay, or drop the connection (raising), as configured."""

    async def async_after_write(self) -> None:
        """Once a write is stored: delay its answer, or lose it (raising), as configured."""

    def read(self, function_code: int, address: int, count: int) -> list[int]:
        """Answer a read."""

    def write(self, address: int, values: list[int]) -> int | None:
        """Store a write; return an exception code for values the inverter refuses."""

    def stored(self, address: int, count: int) -> list[int]:
        """Return values as stored, without side effects (the echo of a write)."""


class RequestRefusedError(Exception):
    """A refusal the datastore cannot return to this pymodbus (it answers as it can)."""

    def __init__(self, exception_code: int) -> None:
        super().__init__(f"Modbus exception {exception_code}")
        self.exception_code = exception_code


async def _read(
    store: RegisterStore, function_code: int, address: int, count: int, *, check: bool
) -> list[int] | int:
    """Serve a read: the registers, or the exception code refusing it."""
    _SERVING.set(True)  # for the rest of this connection's handling
    await store.async_before_request()
    if check and (code := store.check(function_code, address, count)) is not None:
        return code
    return store.read(function_code, address, count)


async def _write(
    store: RegisterStore,
    function_code: int,
    address: int,
    values: list[int],
    *,
    check: bool,
) -> int | None:
    """Serve a write: None once stored, or the exception code refusing it."""
    _SERVING.set(True)  # for the rest of this connection's handling
    await store.async_before_request()
    if check and (code := store.check(function_code, address, len(values))) is not None:
        return code
    code = store.write(address, values)
    if code is None:
        await store.async_after_write()
    return code


def _exception_code(code: int) -> Any:
    """Give the exception code as this pymodbus expects it from a datastore."""
    return code if ExcCodes is None else ExcCodes(code)


class _DeviceContext(_DEVICE_CONTEXT_BASE or object):  # type: ignore[misc]
    """Device context (pymodbus 3.8-3.12) that forwards every request to the simulated inverter."""

    def __init__(self, store: RegisterStore) -> None:
        self._store = store

    def reset(self) -> None:
        """Nothing to reset: the inverter owns its state."""

    def validate(self, function_code: int, address: int, count: int = 1) -> bool:
        """Refuse a request before it runs (asked by pymodbus 3.8 only)."""
        _SERVING.set(True)
        return self._store.check(function_code, address, count) is None

    async def async_getValues(  # noqa: N802
        self, function_code: int, address: int, count: int = 1
    ) -> Any:
        """Answer a read, or echo a write."""
        if function_code in _ECHOED_WRITES:
            return self._store.stored(address, count)
        answer = await _read(
            self._store,
            function_code,
            address,
            count,
            check=not REFUSES_ONLY_WITH_ILLEGAL_ADDRESS,
        )
        if isinstance(answer, list):
            return answer
        if not _READ_RETURNS_CODE:
            raise RequestRefusedError(answer)
        return _exception_code(answer)

    async def async_setValues(  # noqa: N802
        self, function_code: int, address: int, values: list[int]
    ) -> Any:
        """Store a write."""
        code = await _write(
            self._store,
            function_code,
            address,
            list(values),
            check=not REFUSES_ONLY_WITH_ILLEGAL_ADDRESS,
        )
        if code is None or REFUSES_ONLY_WITH_ILLEGAL_ADDRESS:
            return None
        if not _WRITE_RETURNS_CODE:
            raise RequestRefusedError(code)
        return _exception_code(code)


def _sim_device(unit_id: int, store: RegisterStore | None) -> Any:
    """Build a SimDevice (pymodbus >= 3.13) that sends every request to the simulated inverter.

    Without a store it answers every request GATEWAY_TARGET_NO_RESPONSE: as unit 0 it
    stands for every unit the server does not know, as a `ModbusServerContext` does.
    """

    async def action(  # noqa: PLR0917  # pymodbus calls it with six positional arguments
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        values: list[int] | list[bool] | None,
    ) -> Any:
        """Serve one request, filling `registers` (pymodbus answers reads from them)."""
        if store is None:
            return ExcCodes(GATEWAY_TARGET_NO_RESPONSE)
        if values is not None:
            code = await _write(
                store, function_code, address, [int(v) for v in values], check=True
            )
            return None if code is None else ExcCodes(code)
        answer = (
            store.stored(address, count)
            if function_code in _ECHOED_WRITES
            else await _read(store, function_code, address, count, check=True)
        )
        if isinstance(answer, int):
            return ExcCodes(answer)
        offset = address - start_address
        registers[offset : offset + count] = answer
        return None

    every_address = SimData(0, count=0x10000, datatype=DataType.REGISTERS)
    return SimDevice(unit_id, simdata=[every_address], action=action)


def _server_context(store: RegisterStore, unit_id: int) -> Any:
    """Build what `ModbusTcpServer` serves: the inverter as `unit_id`, no other unit."""
    if _DEVICE_CONTEXT_BASE is not None:
        server_context: Any = datastore.ModbusServerContext
        # positional: `slaves=` up to 3.9, `devices=` from 3.10
        return server_context({unit_id: _DeviceContext(store)}, single=False)
    devices = [_sim_device(unit_id, store)]
    if unit_id != 0:
        devices.append(_sim_device(0, None))
    return devices


class _OneClientServer(ModbusTcpServer):
    """A TCP server that, like many Wi-Fi adapters, serves one client at a time.

    A connection made while another is open is closed at once.
    """

    def callback_new_connection(self) -> Any:
        """Return the new connection's handler, closing it if another is open."""
        handler = super().callback_new_connection()  # type: ignore[no-untyped-call]
        if self.active_connections:

            def refuse(transport: Any) -> None:
                self.active_connections.pop(handler.unique_id, None)
                transport.close()

            handler.connection_made = refuse
        return handler


class InverterServer:
    """A pymodbus TCP server answering for one unit id."""

    def __init__(
        self, store: RegisterStore, *, unit_id: int, one_client: bool = False
    ) -> None:
        """Build the server context; nothing listens until `async_start`."""
        self._context = _server_context(store, unit_id)
        self._server: Any = None
        self._one_client = one_client
        self.port = 0

    async def async_start(self, host: str, port: int) -> None:
        """Listen on host:port (port 0 picks a free port, see `self.port`)."""
        server = _OneClientServer if self._one_client else ModbusTcpServer
        self._server = server(self._context, address=(host, port))
        try:
            await self._server.serve_forever(background=True)
        except RuntimeError as err:  # pymodbus >= 3.9 cannot listen
            raise OSError(f"Cannot listen on {host}:{port}") from err
        if not self._server.transport:  # pymodbus 3.8 cannot listen
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
