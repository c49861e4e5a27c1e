"""A throwaway copy of the development Home Assistant, onboarded, with EMS added."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import json
from pathlib import Path
import re
import secrets
import shutil
import socket
import time
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[2]
# What git keeps of config/ (see .gitignore): no .storage, database or logs.
CONFIG_FILES = ("configuration.yaml", "house", "custom_templates")
DASHBOARD_URL = "ems-dashboard"

# The simulated house (config/README.md) with a plan-only EMS (no inverter).
EMS_FLOW_STEPS: tuple[dict[str, Any], ...] = (
    {
        "name": "EMS",
        "battery_soc_entity": "sensor.house_battery_soc",
        "battery_power_entity": "sensor.house_battery_power",
        "pv_power_entity": "sensor.house_pv_power",
        "grid_power_entity": "sensor.house_grid_power",
        "load_power_entity": "sensor.house_load_power",
        "price_entity": "sensor.house_price",
    },
    {
        "capacity_kwh": 10.0,
        "min_soc_percent": 10.0,
        "max_soc_percent": 100.0,
        "max_charge_kw": 5.0,
        "max_discharge_kw": 5.0,
        "charge_efficiency_percent": 95.0,
        "discharge_efficiency_percent": 95.0,
        "cycle_cost_per_kwh": 0.02,
        "max_import_kw": 17.0,
        "max_export_kw": 17.0,
        "pv_peak_kw": 4.0,
    },
    {"inverter_type": "none"},
)


class HomeAssistantError(RuntimeError):
    """Home Assistant did not start, onboard or set up EMS as expected."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Login:
    """The tokens of the onboarded user, as the frontend stores them."""

    base_url: str
    client_id: str
    access_token: str
    refresh_token: str
    expires_in: int

    def frontend_tokens(self) -> dict[str, Any]:
        """Return the `hassTokens` entry of the frontend's localStorage."""
        return {
            "hassUrl": self.base_url,
            "clientId": self.client_id,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "expires": int(time.time() * 1000) + self.expires_in * 1000,
        }


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def prepare_config(workdir: Path, port: int) -> Path:
    """Copy config/ and dashboards/ into workdir and serve on port; return the config."""
    config = workdir / "config"
    config.mkdir()
    for name in CONFIG_FILES:
        source = REPO / "config" / name
        if source.is_dir():
            shutil.copytree(source, config / name)
        else:
            shutil.copy2(source, config / name)
    # configuration.yaml serves dashboards/ems.yaml (scripts/develop links it in).
    shutil.copytree(REPO / "dashboards", config / "dashboards")
    (config / "custom_components").mkdir()
    (config / "custom_components" / "ems").symlink_to(
        REPO / "custom_components" / "ems"
    )

    configuration = config / "configuration.yaml"
    text, count = re.subn(
        r"(?m)^(\s+server_port:\s*).*$", rf"\g<1>{port}", configuration.read_text()
    )
    if count != 1 or "filename: dashboards/ems.yaml" not in text:
        raise HomeAssistantError(
            "config/configuration.yaml needs one http server_port and the EMS dashboard"
        )
    configuration.write_text(text)

    # The core_config onboarding step sets up met, radio_browser and google_translate,
    # which reach the internet: mark it done; the user, analytics and integration steps
    # go through the REST API.
    storage = config / ".storage"
    storage.mkdir()
    (storage / "onboarding").write_text(
        json.dumps(
            {
                "version": 4,
                "minor_version": 1,
                "key": "onboarding",
                "data": {"done": ["core_config"]},
            }
        )
    )
    return config


async def wait_for(
    what: str,
    probe: Callable[[], Awaitable[Any]],
    *,
    timeout: float,
    interval: float = 1.0,
    alive: Callable[[], None] | None = None,
) -> Any:
    """Call probe until it returns something truthy; raise after timeout seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if alive is not None:
            alive()
        try:
            if result := await probe():
                return result
        except (aiohttp.ClientError, TimeoutError, HomeAssistantError) as err:
            last_error = err
        await asyncio.sleep(interval)
    detail = f" (last error: {last_error})" if last_error else ""
    raise HomeAssistantError(
        f"timed out after {timeout:.0f} s waiting for {what}{detail}"
    )


class Api:
    """Home Assistant's REST API on base_url."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        """Talk to the instance at base_url."""
        self._session = session
        self.base_url = base_url
        self._token: str | None = None

    async def request(
        self, method: str, path: str, payload: Any = None, *, form: bool = False
    ) -> Any:
        """Send one request; return the decoded JSON (or text) answer."""
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        body = {"data": payload} if form else {"json": payload}
        async with self._session.request(
            method,
            self.base_url + path,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=60),
            **(body if payload is not None else {}),
        ) as response:
            text = await response.text()
            if response.status >= 400:
                raise HomeAssistantError(f"{method} {path}: {response.status} {text}")
            if response.content_type == "application/json":
                return json.loads(text)
            return text

    async def onboard(self) -> Login:
        """Create the owner through the onboarding API and finish onboarding."""
        client_id = self.base_url + "/"
        user = await self.request(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": client_id,
                "name": "Dashboard test",
                "username": "e2e",
                "password": secrets.token_urlsafe(16),
                "language": "en",
            },
        )
        tokens = await self.request(
            "POST",
            "/auth/token",
            {
                "grant_type": "authorization_code",
                "code": user["auth_code"],
                "client_id": client_id,
            },
            form=True,
        )
        self._token = tokens["access_token"]
        await self.request("POST", "/api/onboarding/analytics", {})
        await self.request(
            "POST",
            "/api/onboarding/integration",
            {"client_id": client_id, "redirect_uri": client_id + "?auth_callback=1"},
        )
        steps = await self.request("GET", "/api/onboarding")
        if not all(step["done"] for step in steps):
            raise HomeAssistantError(f"onboarding not finished: {steps}")
        return Login(
            base_url=self.base_url,
            client_id=client_id,
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            expires_in=int(tokens["expires_in"]),
        )

    async def add_ems(self) -> None:
        """Add EMS through the config flow, as the UI does."""
        result = await self.request(
            "POST",
            "/api/config/config_entries/flow",
            {"handler": "ems", "show_advanced_options": False},
        )
        for step in EMS_FLOW_STEPS:
            if result.get("type") != "form":
                raise HomeAssistantError(f"EMS config flow ended early: {result}")
            result = await self.request(
                "POST", f"/api/config/config_entries/flow/{result['flow_id']}", step
            )
        if result.get("type") != "create_entry":
            raise HomeAssistantError(f"EMS config flow did not finish: {result}")

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        """Return an entity's state object, or None while it does not exist."""
        try:
            state: dict[str, Any] = await self.request(
                "GET", f"/api/states/{entity_id}"
            )
        except HomeAssistantError as err:
            if " 404 " in str(err):
                return None
            raise
        return state

    async def get_plan(self) -> dict[str, Any]:
        """Return the answer of ems.get_plan, called as an automation would."""
        answer: dict[str, Any] = await self.request(
            "POST", "/api/services/ems/get_plan?return_response", {}
        )
        return dict(answer["service_response"])

    async def render(self, template: str) -> str:
        """Render a template as the markdown card does; raise on template errors."""
        text: str = await self.request("POST", "/api/template", {"template": template})
        return text
