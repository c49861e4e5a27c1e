"""The growatt_server side of the Growatt link: its services, number and switch entities.

MIN/TLX battery settings are number entities of the Growatt device, found by core's
unique ids: charge power, charge stop SoC, discharge power and the on-grid discharge
stop SoC (`<serial>_battery_charge_power_limit`, `..._charge_soc_limit`,
`..._discharge_power_limit`, `..._discharge_soc_limit_on_grid`), and the
`<serial>_ac_charge` switch. The off-grid stop SoC (`<serial>_battery_discharge_soc_limit`,
the outage reserve) is not among them: EMS leaves it alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er

from custom_components.ems.const import LOGGER
from custom_components.ems.core.control.growatt import BatteryNumbers
from custom_components.ems.core.control.link import LinkError

GROWATT_DOMAIN = "growatt_server"
# BatteryNumbers field -> the unique-id suffix of the growatt_server number entity.
NUMBER_KEYS: Mapping[str, str] = {
    "charge_power_percent": "battery_charge_power_limit",
    "charge_stop_soc": "battery_charge_soc_limit",
    "discharge_power_percent": "battery_discharge_power_limit",
    "discharge_stop_soc": "battery_discharge_soc_limit_on_grid",
}
AC_CHARGE_KEY = "ac_charge"
NUMBER_NAMES: Mapping[str, str] = {
    "charge_power_percent": "charge power {} %",
    "charge_stop_soc": "charge stop SoC {} %",
    "discharge_power_percent": "discharge power {} %",
    "discharge_stop_soc": "discharge stop SoC {} %",
}


class GrowattError(LinkError):
    """A growatt_server service failed, is missing, or did not read back what was written."""


async def async_service(
    hass: HomeAssistant,
    domain: str,
    service: str,
    data: Mapping[str, Any],
    *,
    response: bool = False,
) -> Mapping[str, Any] | None:
    """Call a service; whatever it raises becomes a GrowattError."""
    try:
        return await hass.services.async_call(
            domain, service, dict(data), blocking=True, return_response=response
        )
    except HomeAssistantError as err:
        raise GrowattError(f"{domain}.{service} failed: {err}") from err
    except Exception as err:  # noqa: BLE001 - growatt_server lets network and library errors through
        raise GrowattError(
            f"{domain}.{service} failed: {type(err).__name__}: {err}"
        ) from err


def device_entities(hass: HomeAssistant, device_id: str) -> dict[str, str]:
    """Return the device's number and switch entity ids by BatteryNumbers field name."""
    fields = {suffix: name for name, suffix in NUMBER_KEYS.items()}
    fields[AC_CHARGE_KEY] = AC_CHARGE_KEY
    found: dict[str, str] = {}
    registry = er.async_get(hass)
    for entry in er.async_entries_for_device(registry, device_id):
        if entry.platform != GROWATT_DOMAIN:
            continue
        for suffix, name in fields.items():
            if entry.unique_id.endswith(f"_{suffix}"):
                found[name] = entry.entity_id
    return found


def numbers_now(hass: HomeAssistant, entities: Mapping[str, str]) -> BatteryNumbers:
    """Return what the number entities hold now (None where unknown)."""
    values: dict[str, int | None] = {}
    for name in NUMBER_KEYS:
        state = hass.states.get(entities.get(name, ""))
        try:
            values[name] = round(float(state.state)) if state else None
        except ValueError:
            values[name] = None
    return BatteryNumbers(
        charge_power_percent=values["charge_power_percent"],
        charge_stop_soc=values["charge_stop_soc"],
        discharge_power_percent=values["discharge_power_percent"],
        discharge_stop_soc=values["discharge_stop_soc"],
    )


def ac_charge_change(
    hass: HomeAssistant, wanted: BatteryNumbers, entities: Mapping[str, str]
) -> bool | None:
    """Return the AC charge switch state to set, None when it is right (or missing)."""
    entity_id = entities.get(AC_CHARGE_KEY)
    state = hass.states.get(entity_id) if entity_id else None
    if state is None:
        return None
    return None if (state.state == STATE_ON) == wanted.ac_charge else wanted.ac_charge


async def async_set_number(hass: HomeAssistant, entity_id: str, value: int) -> None:
    """Set a number entity and read it back; once more, then GrowattError."""
    for _attempt in (1, 2):
        LOGGER.info("EMS writes to the Growatt: %s = %s", entity_id, value)
        await async_service(
            hass,
            Platform.NUMBER,
            "set_value",
            {ATTR_ENTITY_ID: entity_id, "value": value},
        )
        state = hass.states.get(entity_id)
        try:
            if state is not None and round(float(state.state)) == value:
                return
        except ValueError:
            pass
    raise GrowattError(
        f"{entity_id} reads back {state.state if state else None}, not {value}"
    )


async def async_set_switch(hass: HomeAssistant, entity_id: str, *, on: bool) -> None:
    """Turn a switch on or off and read it back; once more, then GrowattError."""
    service = "turn_on" if on else "turn_off"
    for _attempt in (1, 2):
        LOGGER.info("EMS writes to the Growatt: %s %s", entity_id, service)
        await async_service(hass, Platform.SWITCH, service, {ATTR_ENTITY_ID: entity_id})
        state = hass.states.get(entity_id)
        if state is not None and (state.state == STATE_ON) == on:
            return
    raise GrowattError(f"{entity_id} did not turn {'on' if on else 'off'}")
