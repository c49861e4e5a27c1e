"""Modbus TCP transport over pymodbus, for every pymodbus from 3.8 to 3.16.

pymodbus 3.8/3.9 name the unit `slave=`, 3.10 and later `device_id=`; the keyword is
detected once. pymodbus's own retries and reconnects are switched off: this module
reconnects once when the connection drops, and leaves retry policy to the caller.
A request that is cancelled stays cancelled (pymodbus 3.9-3.15 report it as a
ModbusIOException) and closes the connection, as a timeout does.

pymodbus logs its own lines about failed requests at ERROR ("No response received after
0 retries"); EMS reports those failures itself, once, so pymodbus's lines about EMS's
requests go to EMS's debug log instead of the user's log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
import inspect
import logging
import time
from typing import Any

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException

from .errors import InverterConnectionError, InverterProtocolError, InverterTimeoutError
from .registers import RegisterKind

_LOGGER = logging.getLogger(__name__)

UNIT_KEYWORD = (
    "device_id"
    if "device_id"
    in inspect.signature(AsyncModbusTcpClient.read_holding_registers).parameters
    else "slave"
)

type _Request = Callable[[AsyncModbusTcpClient], Awaitable[Any]]

# Registers per read request unless configured: what the smallest common adapters (the
# USR-W610) answer; foxess_modbus uses the same for them.
DEFAULT_MAX_READ = 8

# A connection opened right after one closed waits this long: adapters that serve one
# client at a time refuse the new one until they have noticed the old one is gone.
RECONNECT_PAUSE_SECONDS = 0.5

_IN_EMS_REQUEST: ContextVar[bool] = ContextVar("ems_modbus_request", default=False)


class _PymodbusLinesAboutEms(logging.Filter):
    """Moves what pymodbus logs during EMS's own requests to EMS's debug log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _IN_EMS_REQUEST.get():
            return True
        _LOGGER.debug("pymodbus: %s", record.getMessage())
        return False


_PYMODBUS_LOGGER = logging.getLogger("pymodbus.logging")
_PYMODBUS_FILTER = _PymodbusLinesAboutEms()
type HoldingReader = Callable[[int, int], Awaitable[list[int]]]


class _ConnectionLost(Exception):
    """The connection dropped while waiting for an answer."""


class ModbusTransport:
    """One Modbus TCP connection to one unit, with typed errors."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        unit_id: int,
        timeout: float,
        max_read: int = DEFAULT_MAX_READ,
    ) -> None:
        """Store the address; nothing connects until the first request.

        A read of more than `max_read` registers is sent as several requests.

        `on_connect`, when set, runs on every new connection before any other request
        (given a reader of holding registers), e.g. to check it is still the same inverter.
        """
        self._host = host
        self._port = port
        self._unit: dict[str, Any] = {UNIT_KEYWORD: unit_id}
        self._timeout = timeout
        self.max_read = max(1, max_read)
        self._client: AsyncModbusTcpClient | None = None
        self._lock = asyncio.Lock()
        self.on_connect: Callable[[HoldingReader], Awaitable[None]] | None = None
        self._shut_down = False
        self._closed_at: float | None = None
        _PYMODBUS_LOGGER.addFilter(_PYMODBUS_FILTER)  # once: filters are a set

    @property
    def connected(self) -> bool:
        """Whether a connection is open."""
        return self._client is not None and bool(self._client.connected)

    def shut_down(self) -> None:
        """Close the connection for good: every later request raises."""
        self._shut_down = True
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent); the next request connects again."""
        if self._client is not None:
            self._client.close()
            self._client = None
            self._closed_at = time.monotonic()

    async def async_read(
        self, kind: RegisterKind, address: int, count: int
    ) -> list[int]:
        """Read `count` registers from `address`, at most `max_read` per request."""
        values: list[int] = []
        for start in range(address, address + count, self.max_read):
            size = min(self.max_read, address + count - start)
            values += await self._async_read_block(kind, start, size)
        return values

    async def _async_read_block(
        self, kind: RegisterKind, address: int, count: int
    ) -> list[int]:
        async with self._lock:
            token = _IN_EMS_REQUEST.set(True)
            try:
                return await self._retrying(
                    f"read {kind} {address}+{count}",
                    lambda: self._read(kind, address, count),
                )
            finally:
                _IN_EMS_REQUEST.reset(token)

    async def async_write(self, address: int, values: list[int]) -> None:
        """Write one register (function 6) or a block (function 16)."""

        async def write(client: AsyncModbusTcpClient) -> Any:
            if len(values) == 1:
                return await client.write_register(address, values[0], **self._unit)
            return await client.write_registers(address, values, **self._unit)

        async with self._lock:
            token = _IN_EMS_REQUEST.set(True)
            try:
                await self._retrying(
                    f"write {address}={values}",
                    lambda: self._send(f"write {address}", write),
                )
            finally:
                _IN_EMS_REQUEST.reset(token)

    async def _retrying[T](self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """Connect if needed and run `call`; reconnect and run it once more if the connection dropped."""
        try:
            await self._connect()
            return await call()
        except _ConnectionLost:
            _LOGGER.debug("Connection lost during %s, reconnecting", what)
        try:
            await self._connect()
            return await call()
        except _ConnectionLost as err:
            raise InverterConnectionError(
                f"Connection lost twice during {what}"
            ) from err

    async def _connect(self) -> None:
        if self._shut_down:
            raise InverterConnectionError("The connection was shut down (EMS unloaded)")
        if self.connected:
            return
        self.close()
        if self._closed_at is not None:
            pause = self._closed_at + RECONNECT_PAUSE_SECONDS - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
        client = AsyncModbusTcpClient(
            self._host,
            port=self._port,
            timeout=self._timeout,
            retries=0,
            reconnect_delay=0,
        )
        try:
            ok = await asyncio.wait_for(client.connect(), self._timeout + 1)
        except (TimeoutError, OSError) as err:
            client.close()
            raise InverterConnectionError(
                f"Cannot connect to {self._host}:{self._port}: {err}"
            ) from err
        except asyncio.CancelledError:
            client.close()
            raise
        if not ok:
            client.close()
            raise InverterConnectionError(
                f"Cannot connect to {self._host}:{self._port}"
            )
        self._client = client
        if self.on_connect is not None:
            try:
                await self.on_connect(
                    lambda address, count: self._read(
                        RegisterKind.HOLDING, address, count
                    )
                )
            except BaseException:
                self.close()
                raise

    async def _read(self, kind: RegisterKind, address: int, count: int) -> list[int]:
        async def read(client: AsyncModbusTcpClient) -> Any:
            if kind is RegisterKind.INPUT:
                return await client.read_input_registers(
                    address, count=count, **self._unit
                )
            return await client.read_holding_registers(
                address, count=count, **self._unit
            )

        response = await self._send(f"read {kind} {address}+{count}", read)
        registers = list(response.registers)
        if len(registers) < count:
            raise InverterProtocolError(f"Short answer reading {address}: {registers}")
        return registers[:count]

    async def _send(self, what: str, request: _Request) -> Any:
        """Send one request on the open connection and map pymodbus errors."""
        client = self._client
        if client is None:
            raise _ConnectionLost(what)
        try:
            response = await request(client)
        except asyncio.CancelledError:
            self.close()  # a late answer must not be taken for the next request's
            raise
        except (ConnectionException, ModbusIOException) as err:
            dropped = not self.connected
            self.close()  # a late answer must not be taken for the next request's
            if isinstance(err.__cause__, asyncio.CancelledError):
                # pymodbus 3.9-3.15 turn a cancelled request into ModbusIOException
                raise asyncio.CancelledError(*err.__cause__.args) from err
            if dropped:
                raise _ConnectionLost(what) from err
            raise InverterTimeoutError(f"No answer to {what}") from err
        except ModbusException as err:
            self.close()
            raise InverterProtocolError(f"{what} failed: {err}") from err
        if response.isError():
            code = getattr(response, "exception_code", None)
            raise InverterProtocolError(
                f"{what} answered with Modbus exception {code}", exception_code=code
            )
        return response
