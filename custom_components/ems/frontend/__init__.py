"""The plan card: served from the integration and loaded by every dashboard.

The JavaScript modules in this folder are served under `/ems/frontend/`; the entry
module is registered as an extra module of the frontend, with a version in its URL (the
integration's version and a hash of the modules) so that browsers load a new release.
The entry module imports the others with the same version.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Final

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant

from custom_components.ems.const import LOGGER

FRONTEND_DIR: Final = Path(__file__).parent
URL_BASE: Final = "/ems/frontend"
CARD_MODULE: Final = "ems-plan-card.js"


def card_version() -> str:
    """Return the integration's version and a hash of the card's modules (blocking)."""
    manifest = json.loads((FRONTEND_DIR.parent / "manifest.json").read_text())
    digest = hashlib.sha256()
    for module in sorted(FRONTEND_DIR.glob("*.js")):
        digest.update(module.name.encode())
        digest.update(module.read_bytes())
    return f"{manifest['version']}-{digest.hexdigest()[:8]}"


async def async_register_card(hass: HomeAssistant) -> None:
    """Serve the card and load it in the frontend (once, from `async_setup`).

    Without Home Assistant's web server or frontend (tests, a headless setup) there is
    nothing to register.
    """
    if getattr(hass, "http", None) is None or "frontend" not in hass.config.components:
        LOGGER.debug("No frontend: the EMS plan card is not registered")
        return
    version = await hass.async_add_executor_job(card_version)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(URL_BASE, str(FRONTEND_DIR), cache_headers=True)]
    )
    add_extra_js_url(hass, f"{URL_BASE}/{CARD_MODULE}?v={version}")
