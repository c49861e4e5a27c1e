"""Faults: refused connections, timeouts, Modbus exceptions, dropped connections, a swapped inverter."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.ems.core.inverters.foxess import (
    InverterConnectionError,
    InverterProtocolError,
    InverterTimeoutError,
    ModelMismatchError,
    WorkMode,
)
from custom_components.ems.core.inverters.foxess.registers import RegisterKind
from custom_components.ems.core.inverters.foxess.transport import ModbusTransport

from .conftest import WATCHDOG_SECONDS, ClientFactory, SimulatorFactory


async def test_connection_refused(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """Nothing listening: a connection error, not a hang."""
    simulator = await start_simulator(model="KH")
    client = client_for(simulator)
    await simulator.async_stop()
    with pytest.raises(InverterConnectionError):
        await client.async_identify()


async def test_timeout_then_recovery(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """A slow inverter raises a timeout; the next call works on a fresh connection."""
    simulator = await start_simulator(model="KH")
    client = client_for(simulator, timeout=0.2)
    await client.async_identify()
    simulator.delay = 0.4
    with pytest.raises(InverterTimeoutError):
        await client.async_read_telemetry()
    simulator.delay = 0
    assert (await client.async_read_telemetry()).soc_percent == 50


async def test_modbus_exception_response(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """An exception response surfaces its code; nothing is written after it."""
    simulator = await start_simulator(model="KH")
    client = client_for(simulator)
    await client.async_identify()
    simulator.fail_next(4)
    with pytest.raises(InverterProtocolError) as caught:
        await client.async_set_work_mode(WorkMode.BACK_UP)
    # a pymodbus 3.8 server can only answer 2
    assert caught.value.exception_code == (
        2 if simulator.refuses_only_with_illegal_address else 4
    )
    assert simulator.writes == []
    assert await client.async_set_work_mode(WorkMode.BACK_UP)


async def test_forbidden_ranges_are_never_read(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """The KH refuses reads touching 41001-41006; the client reads settings around them."""
    simulator = await start_simulator(model="KH")
    transport = ModbusTransport(
        host="127.0.0.1", port=simulator.port, unit_id=247, timeout=0.3
    )
    with pytest.raises(InverterProtocolError) as caught:
        await transport.async_read(RegisterKind.HOLDING, 41000, 12)
    assert caught.value.exception_code == 2
    transport.close()
    settings = await client_for(simulator).async_read_settings()
    assert settings.work_mode is WorkMode.SELF_USE


async def test_cancelled_request(start_simulator: SimulatorFactory) -> None:
    """A cancelled request stays cancelled and closes the connection, so its late answer is never taken.

    pymodbus 3.9-3.15 report the cancellation as a ModbusIOException.
    """
    simulator = await start_simulator(model="KH")
    transport = ModbusTransport(
        host="127.0.0.1", port=simulator.port, unit_id=247, timeout=2
    )
    assert await transport.async_read(RegisterKind.HOLDING, 41000, 1) == [0]
    simulator.delay = 0.5
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await transport.async_read(RegisterKind.HOLDING, 41000, 1)
    assert not transport.connected
    read = asyncio.create_task(transport.async_read(RegisterKind.HOLDING, 41000, 1))
    await asyncio.sleep(0.1)
    read.cancel()
    with pytest.raises(asyncio.CancelledError):
        await read
    assert not transport.connected
    simulator.delay = 0
    simulator.set_holding(41000, 2)
    assert await transport.async_read(RegisterKind.HOLDING, 41000, 1) == [2]
    transport.close()


async def test_connection_dropped_between_two_writes(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """A drop after the work-mode write: the client reconnects once and finishes the command."""
    simulator = await start_simulator(model="KH")
    client = client_for(simulator)
    await client.async_identify()
    simulator.set_holding(41000, 1)  # feed-in first: force charge sets self use back
    simulator.drop_next(after=3)  # read 41000, write 41000, read back 41000, then drop
    await client.async_force_charge(3000)
    assert [simulator.holding(a) for a in (41000, 44001, 44000, 44002)] == [
        0,
        WATCHDOG_SECONDS,
        1,
        (-3000) & 0xFFFF,
    ]


async def test_connection_dropped_twice(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """A connection that drops again right after reconnecting is reported."""
    simulator = await start_simulator(model="KH")
    client = client_for(simulator)
    await client.async_identify()
    simulator.drop_next(count=2)
    with pytest.raises(InverterConnectionError):
        await client.async_set_work_mode(WorkMode.BACK_UP)
    assert simulator.writes == []


async def test_different_inverter_after_reconnect(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """When another model answers after a reconnect, the command stops before writing."""
    simulator = await start_simulator(model="KH")
    client = client_for(simulator)
    await client.async_identify()
    simulator.set_model_string("H3-10.0-E")
    simulator.drop_connection()
    with pytest.raises(ModelMismatchError) as caught:
        await client.async_set_work_mode(WorkMode.BACK_UP)
    assert caught.value.actual == "H3-10.0-E"
    assert simulator.writes == []
