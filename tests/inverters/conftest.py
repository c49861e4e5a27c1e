"""Fixtures: simulated Fox ESS inverters on a real Modbus TCP server, and clients for them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from custom_components.ems.core.inverters.foxess import FoxEssClient
from simulator import FoxEssSimulator

type SimulatorFactory = Callable[..., Awaitable[FoxEssSimulator]]
type ClientFactory = Callable[..., FoxEssClient]

WATCHDOG_SECONDS = 120


@pytest.fixture
async def start_simulator(socket_enabled: None) -> AsyncIterator[SimulatorFactory]:
    """Start simulators on free loopback ports; stop them afterwards.

    Sockets are enabled for these tests; pytest-socket still allows 127.0.0.1 only.
    """
    started: list[FoxEssSimulator] = []

    async def start(**kwargs: Any) -> FoxEssSimulator:
        simulator = FoxEssSimulator(**kwargs)
        await simulator.async_start(host="127.0.0.1", port=0)
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        await simulator.async_stop()


@pytest.fixture
async def client_for() -> AsyncIterator[ClientFactory]:
    """Create clients with short timeouts; close them afterwards."""
    clients: list[FoxEssClient] = []

    def create(simulator: FoxEssSimulator, **kwargs: Any) -> FoxEssClient:
        options: dict[str, Any] = {
            "timeout": 0.3,
            "watchdog_seconds": WATCHDOG_SECONDS,
        } | kwargs
        client = FoxEssClient(
            host="127.0.0.1", port=simulator.port, unit_id=247, **options
        )
        clients.append(client)
        return client

    yield create
    for client in clients:
        await client.async_close()
