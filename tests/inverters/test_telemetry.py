"""Telemetry: register addresses, word order, scaling and sign conventions per profile.

Raw values are set at literal addresses taken from the public register maps, so these
tests check the profile data rather than repeat it.
"""

from __future__ import annotations

from custom_components.ems.core.inverters.foxess import Telemetry

from .conftest import ClientFactory, SimulatorFactory


def _words32(value: int) -> tuple[int, int]:
    """High and low word of a signed 32-bit value."""
    value &= 0xFFFFFFFF
    return value >> 16, value & 0xFFFF


async def test_kh_133_telemetry(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """KH from 1.33: 32-bit PV and grid (+ export), 16-bit battery (+ discharge) and load."""
    simulator = await start_simulator(model="KH", firmware="1.33")
    simulator.frozen = True
    raw = {
        31024: 63,  # SoC
        31016: 700,  # load W
        31022: 2000,  # battery W, discharging
        31020: 2513,  # battery voltage in 0.1 V
    }
    for address, (high, low) in {
        39168: _words32(-1500),  # grid: exporting is +, so this imports 1.5 kW
        39279: _words32(3000),  # PV1
        39281: _words32(500),  # PV2
        39283: _words32(0),
        39285: _words32(0),
    }.items():
        raw |= {address: high, address + 1: low}
    for address, value in raw.items():
        simulator.set_holding(address, value)
    telemetry = await client_for(simulator).async_read_telemetry()
    assert telemetry == Telemetry(
        soc_percent=63,
        pv_kw=3.5,
        grid_kw=1.5,
        battery_kw=-2.0,
        load_kw=0.7,
        battery_voltage_v=251.3,
    )


async def test_kh_pre133_grid_sign_is_import_positive(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """KH 1.19-1.32: grid CT at 31049 (32-bit) reports import as positive, unlike the H1."""
    simulator = await start_simulator(model="KH", firmware="1.25")
    simulator.frozen = True
    for address, value in {
        31049: 0,
        31050: 1200,
        31053: 0,
        31054: 900,
        31022: (-800) & 0xFFFF,
    }.items():
        simulator.set_holding(address, value)
    telemetry = await client_for(simulator).async_read_telemetry()
    assert (telemetry.grid_kw, telemetry.load_kw, telemetry.battery_kw) == (
        1.2,
        0.9,
        0.8,
    )


async def test_h3_sums_phases(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """H3: grid and load per phase at 31026-31031, battery 31036, SoC 31038."""
    simulator = await start_simulator(model="H3")
    simulator.frozen = True
    raw = {
        31002: 1000,
        31005: 2000,
        31026: 500,
        31027: 500,
        31028: (-2000) & 0xFFFF,  # net: importing 1.0 kW
        31029: 300,
        31030: 300,
        31031: 300,
        31036: (-1200) & 0xFFFF,  # charging
        31038: 80,
        31034: 0,  # no battery voltage: the current limits cannot be set from a power
    }
    for address, value in raw.items():
        simulator.set_holding(address, value)
    telemetry = await client_for(simulator).async_read_telemetry()
    assert telemetry == Telemetry(
        soc_percent=80,
        pv_kw=3.0,
        grid_kw=1.0,
        battery_kw=1.2,
        load_kw=0.9,
        battery_voltage_v=None,
    )


async def test_h3_smart_meter_in_tenths_of_watts(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """H3-Smart: meter total at 38814 in 0.1 W (+ export), battery 39237 32-bit, SoC 37612."""
    simulator = await start_simulator(model="H3-Smart")
    simulator.frozen = True
    for address, value in {
        38814: _words32(25000),  # exporting 2.5 kW
        39237: _words32(1000),
        39225: _words32(600),
    }.items():
        simulator.set_holding(address, value[0])
        simulator.set_holding(address + 1, value[1])
    simulator.set_holding(37612, 42)
    simulator.set_holding(39227, 4012)
    telemetry = await client_for(simulator).async_read_telemetry()
    assert (
        telemetry.grid_kw,
        telemetry.battery_kw,
        telemetry.load_kw,
        telemetry.soc_percent,
        telemetry.battery_voltage_v,
    ) == (-2.5, -1.0, 0.6, 42, 401.2)


async def test_h1_g1_reads_input_registers(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """H1 first generation over RS485: input registers 11002-11036, grid + export."""
    simulator = await start_simulator(model="H1-G1")
    simulator.frozen = True
    for address, value in {
        11002: 1500,
        11005: 0,
        11021: 700,
        11023: 400,
        11008: 400,
        11036: 55,
        11006: 1987,
    }.items():
        simulator.set_holding(address, value)
    telemetry = await client_for(simulator).async_read_telemetry()
    assert telemetry == Telemetry(
        soc_percent=55,
        pv_kw=1.5,
        grid_kw=-0.7,
        battery_kw=-0.4,
        load_kw=0.4,
        battery_voltage_v=198.7,
    )


async def test_self_use_balances_the_house(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """In self use at noon the battery takes the PV surplus; the powers balance."""
    simulator = await start_simulator(
        model="KH", start_hour=12.0, pv_peak_w=4000, base_load_w=400
    )
    telemetry = await client_for(simulator).async_read_telemetry()
    assert telemetry.pv_kw > telemetry.load_kw
    assert telemetry.battery_kw > 0
    assert abs(telemetry.grid_kw) < 0.01
    balance = (
        telemetry.pv_kw + telemetry.grid_kw - telemetry.battery_kw - telemetry.load_kw
    )
    assert abs(balance) < 0.01
