"""Register reads and verified writes on top of the transport."""

from __future__ import annotations

from collections.abc import Callable, Sequence
import logging

from .errors import InverterProtocolError
from .registers import Register, RegisterKind
from .transport import ModbusTransport

_LOGGER = logging.getLogger(__name__)

_WRITE_ATTEMPTS = 2


class CheckedRegisters:
    """Read registers, and write them only when they differ, verifying by reading back."""

    def __init__(self, transport: ModbusTransport) -> None:
        """Wrap a transport."""
        self._transport = transport

    async def async_read_one(self, kind: RegisterKind, address: int) -> int:
        """Read one raw register."""
        return (await self._transport.async_read(kind, address, 1))[0]

    async def async_read_many(
        self,
        kind: RegisterKind,
        registers: Sequence[Register],
        *,
        forbidden: Callable[[int, int], bool] | None,
    ) -> dict[int, int]:
        """Read decoded values by address; neighbours together unless `forbidden(start, count)`.

        With `forbidden` None every register is read on its own.
        """
        ordered = sorted(registers, key=lambda r: r.address)
        values: dict[int, int] = {}
        while ordered:
            block = [ordered.pop(0)]
            start = block[0].address
            while forbidden is not None and ordered:
                count = ordered[0].address + ordered[0].words - start
                if count > self._transport.max_read or forbidden(start, count):
                    break
                block.append(ordered.pop(0))
            count = max(r.address + r.words for r in block) - start
            raw = await self._transport.async_read(kind, start, count)
            for register in block:
                offset = register.address - start
                values[register.address] = register.decode(
                    raw[offset : offset + register.words]
                )
        return values

    async def async_write_if_changed(
        self, kind: RegisterKind, address: int, value: int
    ) -> bool:
        """Write `value` unless the register already holds it, then verify; True when written."""
        if await self.async_read_one(kind, address) == value:
            return False
        await self.async_write_verified(
            kind, Register(address=address, signed=False), value
        )
        return True

    async def async_write_verified(
        self, kind: RegisterKind, register: Register, value: int
    ) -> None:
        """Write `value` (one block for 32-bit registers) and read it back; retry once, then raise."""
        actual: int | None = None
        for attempt in range(1, _WRITE_ATTEMPTS + 1):
            await self._transport.async_write(register.address, register.encode(value))
            raw = await self._transport.async_read(
                kind, register.address, register.words
            )
            actual = register.decode(raw)
            if actual == value:
                return
            _LOGGER.warning(
                "Register %s reads %s after writing %s (attempt %s)",
                register.address,
                actual,
                value,
                attempt,
            )
        raise InverterProtocolError(
            f"Register {register.address} reads {actual}, not the {value} written"
        )
