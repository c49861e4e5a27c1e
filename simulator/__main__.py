"""Run a simulated Fox ESS inverter: `python -m simulator --model KH --port 5502`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from ._models import MODELS
from .foxess import FoxEssSimulator

_LOGGER = logging.getLogger("simulator")


def main() -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--model", choices=sorted(MODELS), default="KH")
    parser.add_argument(
        "--firmware", help="manager firmware, e.g. 1.25 (KH: selects the register map)"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: loopback only)"
    )
    parser.add_argument("--port", type=int, default=5502)
    parser.add_argument("--unit-id", type=int, default=247)
    parser.add_argument(
        "--soc", type=float, default=50.0, help="initial battery SoC in %%"
    )
    parser.add_argument("--capacity-kwh", type=float, default=10.0)
    parser.add_argument(
        "--start-hour", type=float, default=12.0, help="simulated time of day at start"
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="simulated seconds per real second",
    )
    parser.add_argument(
        "--max-read",
        type=int,
        help="refuse reads of more registers than this (a small adapter, e.g. 8)",
    )
    parser.add_argument(
        "--ignore-commands",
        action="store_true",
        help="store writes but keep the battery in self use (a firmware bug)",
    )
    parser.add_argument(
        "--derate-w", type=float, help="the BMS allows no more than this power, W"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    simulator = FoxEssSimulator(
        model=args.model,
        firmware=args.firmware,
        unit_id=args.unit_id,
        soc_percent=args.soc,
        capacity_kwh=args.capacity_kwh,
        start_hour=args.start_hour,
        time_scale=args.time_scale,
        max_read=args.max_read,
    )
    simulator.plant.ignores_commands = args.ignore_commands
    simulator.plant.derate_w = args.derate_w
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(simulator, args.host, args.port))


async def _serve(simulator: FoxEssSimulator, host: str, port: int) -> None:
    await simulator.async_start(host=host, port=port)
    _LOGGER.info(
        "Fox ESS %s (%s, firmware %s) on %s:%s",
        simulator.profile.family,
        simulator.profile.name,
        simulator.firmware,
        host,
        simulator.port,
    )
    try:
        while True:
            await asyncio.sleep(10)
            simulator.advance(0)
            now = simulator.flows()
            _LOGGER.info(
                "SoC %.1f %% | PV %.0f W | load %.0f W | battery %+.0f W | grid %+.0f W | %s%s",
                simulator.soc_percent,
                now.pv,
                now.load,
                now.battery,
                now.grid,
                simulator.work_mode,
                " | remote control" if simulator.remote_control_enabled else "",
            )
    finally:
        await simulator.async_stop()


if __name__ == "__main__":
    main()
