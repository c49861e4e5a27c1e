"""A load's configuration (a config subentry's data), typed once (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from enum import StrEnum
from typing import Any

from .model import LoadKind, LoadSpec

# Keys of a load subentry's data.
CONF_LOAD_TYPE = "load_type"
CONF_LOAD_NAME = "name"
CONF_SWITCH = "switch_entity"
CONF_POWER_SENSOR = "power_entity"
CONF_POWER_KW = "power_kw"
CONF_ENERGY_KWH = "energy_kwh"
CONF_EARLIEST = "earliest"
CONF_LATEST = "latest"
CONF_ONE_BLOCK = "one_block"
CONF_MIN_RUN = "min_run_minutes"
CONF_PRIORITY = "priority"
CONF_SOC_GATE = "soc_gate_percent"
CONF_EXPORT_START = "export_start_kw"
CONF_CURRENT_NUMBER = "current_entity"
CONF_PHASES = "phases"
CONF_MIN_CURRENT = "min_current_a"
CONF_MAX_CURRENT = "max_current_a"
CONF_PLUGGED = "plugged_in_entity"
CONF_CAR_SOC = "car_soc_entity"
CONF_BOOST_RELAY = "boost_entity"
CONF_BLOCK_RELAY = "block_entity"
CONF_VALUE = "value_per_kwh"
CONF_MAX_ENERGY = "max_energy_kwh"
VOLTS = 230.0


class LoadType(StrEnum):
    """What the user adds: each becomes one planned and switched load."""

    APPLIANCE = "appliance"  # deferrable: a washing machine, a dishwasher
    EV_CHARGER = "ev_charger"  # modulating: a wallbox with a current number
    HEAT_PUMP = "heat_pump"  # optional: SG-Ready boost (and block) relays
    WATER_HEATER = "water_heater"  # optional: a heating element on a switch


_KIND = {
    LoadType.APPLIANCE: LoadKind.DEFERRABLE,
    LoadType.EV_CHARGER: LoadKind.MODULATING,
    LoadType.HEAT_PUMP: LoadKind.OPTIONAL,
    LoadType.WATER_HEATER: LoadKind.OPTIONAL,
}


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadEntities:
    """The Home Assistant entities a load is switched and read through."""

    switch: str
    power: str | None = None
    current: str | None = None
    plugged_in: str | None = None
    car_soc: str | None = None
    block: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadTarget:
    """What a load must get (deferrable, EV) or may get (optional) and when."""

    energy_kwh: float
    earliest: time | None = None
    latest: time | None = None
    one_block: bool = False
    value_per_kwh: float = 0.0  # optional loads: what a kWh of it is worth


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadConfig:
    """One load: its switching rules (spec), entities and target."""

    load_type: LoadType
    spec: LoadSpec
    entities: LoadEntities
    target: LoadTarget


def _entity(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return str(value) if value else None


def _time(data: Mapping[str, Any], key: str) -> time | None:
    value = data.get(key)
    return time.fromisoformat(str(value)) if value else None


def load_config(load_id: str, data: Mapping[str, Any]) -> LoadConfig:
    """Return a load's configuration from its subentry data (raises ValueError if bad)."""
    load_type = LoadType(data[CONF_LOAD_TYPE])
    phases = int(data.get(CONF_PHASES, 1))
    min_a = float(data.get(CONF_MIN_CURRENT, 6.0))
    max_a = float(data.get(CONF_MAX_CURRENT, 16.0))
    export_start = data.get(CONF_EXPORT_START)
    gate = data.get(CONF_SOC_GATE)
    spec = LoadSpec(
        load_id=load_id,
        name=str(data[CONF_LOAD_NAME]),
        kind=_KIND[load_type],
        power_kw=float(data.get(CONF_POWER_KW, 0.0)),
        min_kw=min_a * VOLTS * phases / 1000.0,
        max_kw=max_a * VOLTS * phases / 1000.0,
        phases=phases,
        min_current_a=min_a,
        max_current_a=max_a,
        priority=int(data.get(CONF_PRIORITY, 1)),
        min_run=timedelta(minutes=float(data.get(CONF_MIN_RUN, 15))),
        soc_gate_percent=None if gate is None else float(gate),
        export_start_kw=None if export_start is None else float(export_start),
    )
    entities = LoadEntities(
        switch=str(data.get(CONF_SWITCH) or data.get(CONF_BOOST_RELAY) or ""),
        power=_entity(data, CONF_POWER_SENSOR),
        current=_entity(data, CONF_CURRENT_NUMBER),
        plugged_in=_entity(data, CONF_PLUGGED),
        car_soc=_entity(data, CONF_CAR_SOC),
        block=_entity(data, CONF_BLOCK_RELAY),
    )
    if not entities.switch:
        raise ValueError(f"load {spec.name} has no switch")
    target = LoadTarget(
        energy_kwh=float(data.get(CONF_ENERGY_KWH) or data.get(CONF_MAX_ENERGY) or 0.0),
        earliest=_time(data, CONF_EARLIEST),
        latest=_time(data, CONF_LATEST),
        one_block=bool(data.get(CONF_ONE_BLOCK, False)),
        value_per_kwh=float(data.get(CONF_VALUE, 0.0)),
    )
    return LoadConfig(load_type=load_type, spec=spec, entities=entities, target=target)
