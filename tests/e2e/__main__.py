"""The dashboard in a real browser: python -m tests.e2e (run by scripts/e2e).

A copy of the development Home Assistant (config/) on a free port of 127.0.0.1 is onboarded
through the REST API, gets EMS through its config flow (the simulated house, no inverter)
and serves dashboards/ems.yaml as a YAML dashboard. Headless Chromium, logged in through
the frontend's stored tokens, loads the view; the run fails when a card reports an error,
the EMS plan card does not draw the plan or show a slot's reason when pointed at, its
code throws, a template does not render, or the cards do not appear in time. It looks
at the view on a desktop (1400 px) and on a phone (412 px, light and dark). The
screenshots go to docs/dashboard.png, docs/dashboard-mobile.png and
docs/dashboard-mobile-dark.png and, with Home Assistant's log and the browser console,
to an artifacts directory.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Iterator
import io
import json
import logging
from pathlib import Path
import re
import shutil
import sys
import tempfile
import time
from typing import Any

import aiohttp
from homeassistant.util.yaml import load_yaml_dict
from PIL import Image

from .browser import BrowserError, Chromium, stop_process_group
from .home_assistant import (
    DASHBOARD_URL,
    REPO,
    Api,
    HomeAssistantError,
    free_port,
    prepare_config,
    wait_for,
)

DASHBOARD = REPO / "dashboards" / "ems.yaml"
START_TIMEOUT = 300.0
PLAN_TIMEOUT = 300.0
CARDS_TIMEOUT = 180.0
WIDTH = 1400
PHONE_WIDTH = 412
MAX_HEIGHT = 5000
CARDS_SCRIPT = (Path(__file__).parent / "cards.js").read_text()
HOVER_SCRIPT = (Path(__file__).parent / "hover.js").read_text()
EDITOR_SCRIPT = (Path(__file__).parent / "editor.js").read_text()
EDITED = {"type": "custom:ems-plan-card", "config_entry_id": "abc"}
# What the plan card's details show for a slot: its day and times, then a table.
SLOT_DETAILS = re.compile(r"\d{2}:\d{2}–\d{2}:\d{2}.*Battery \(\+ charging\)")
LOGGER = logging.getLogger("e2e")


class DashboardError(AssertionError):
    """The dashboard shows an error, or not all of its cards."""


def dashboard_cards(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield every card of a dashboard, nested ones too."""
    pending: list[dict[str, Any]] = []
    for view in config["views"]:
        pending.extend(view.get("cards", []))
        for section in view.get("sections", []):
            pending.extend(section.get("cards", []))
    while pending:
        card = pending.pop()
        yield card
        pending.extend(card.get("cards", []))


def expected_elements(cards: list[dict[str, Any]]) -> Counter[str]:
    """Return how many elements of each card type the view must show.

    A core card is `hui-<type>-card`; a custom card (`custom:<element>`) is its element.
    """
    return Counter(
        card["type"].removeprefix("custom:")
        if card["type"].startswith("custom:")
        else f"hui-{card['type']}-card"
        for card in cards
    )


def missing_cards(shown: dict[str, Any], expected: Counter[str]) -> list[str]:
    """Return the card elements the page does not show (yet)."""
    present = Counter(shown.get("cards", {}))
    present["ems-plan-card"] = len(shown.get("plans", []))
    return sorted((expected - present).elements())


def plans_drawn(shown: dict[str, Any]) -> bool:
    """Return True when every plan card has loaded its plan (or failed)."""
    return all(plan["state"] not in ("", "loading") for plan in shown.get("plans", []))


async def wait_for_cards(
    browser: Chromium, expected: Counter[str], log: list[str]
) -> dict[str, Any]:
    """Wait until every card is drawn and nothing loads; return what the page shows."""
    deadline = time.monotonic() + CARDS_TIMEOUT
    previous: dict[str, Any] | None = None
    shown: dict[str, Any] = {}
    while time.monotonic() < deadline:
        shown = await browser.evaluate(CARDS_SCRIPT)
        ready = (
            not missing_cards(shown, expected)
            and shown["spinners"] == 0
            and all(shown["markdown"])
            and plans_drawn(shown)
        )
        if (ready or shown["errors"]) and shown == previous:
            return shown
        previous = shown
        await asyncio.sleep(1)
    log.append(f"cards after {CARDS_TIMEOUT:.0f} s: {json.dumps(shown)}")
    raise DashboardError(
        f"the dashboard did not finish loading in {CARDS_TIMEOUT:.0f} s "
        f"(missing: {missing_cards(shown, expected)}, spinners: {shown.get('spinners')}, "
        f"at {shown.get('path')})"
    )


def check_cards(shown: dict[str, Any], exceptions: list[str]) -> None:
    """Raise when a card shows an error or a warning, or the plan card draws no plan."""
    problems = [*shown["errors"], *shown["warnings"]]
    problems += [
        f"the plan card failed: {p['error']}" for p in shown["plans"] if p["error"]
    ]
    problems += [f"exception: {text}" for text in exceptions if "/ems/" in text]
    if problems:
        raise DashboardError("the dashboard reports errors: " + " | ".join(problems))
    if not shown["plans"]:
        raise DashboardError("the plan card is not on the dashboard")
    for plan in shown["plans"]:
        if plan["state"] != "ready" or plan["slots"] < 2 or not plan["drawn"]:
            raise DashboardError(f"the plan card does not draw the plan: {plan}")
        if not SLOT_DETAILS.search(plan["details"]):
            raise DashboardError(f"the plan card shows no slot: {plan['details']!r}")


def check_editor(answer: dict[str, Any]) -> None:
    """Raise unless the card's editor offers the EMS entries and reports a change."""
    if "error" in answer:
        raise DashboardError(f"the plan card's editor: {answer}")
    if "config_entry" not in answer["selectors"] or answer["config"] != EDITED:
        raise DashboardError(f"the plan card's editor does not pick an entry: {answer}")


def check_pointing(answer: dict[str, Any]) -> None:
    """Raise unless pointing at the chart (mouse and finger) shows that slot's reason."""
    if "error" in answer:
        raise DashboardError(f"cannot point at the plan card: {answer['error']}")
    if answer["mouse"] == answer["touch"]:
        raise DashboardError(f"pointing at two slots shows the same: {answer}")
    for how in ("mouse", "touch"):
        if not SLOT_DETAILS.search(answer[how]):
            raise DashboardError(f"pointing ({how}) shows no slot: {answer[how]!r}")


async def check_templates(api: Api, cards: list[dict[str, Any]]) -> None:
    """Render every markdown card's template; Home Assistant answers 400 on errors."""
    for card in cards:
        if card["type"] == "markdown":
            rendered = await api.render(card["content"])
            if not rendered.strip():
                raise DashboardError(
                    f"a markdown card renders empty: {card['content']}"
                )


def check_log(log_file: Path) -> None:
    """Raise on template warnings or errors about the dashboard's templates."""
    if not log_file.is_file():
        return
    bad = [
        line
        for line in log_file.read_text(errors="replace").splitlines()
        if "template" in line.lower()
        and "ems_" in line
        and any(level in line for level in ("WARNING", "ERROR"))
    ]
    if bad:
        raise DashboardError(
            "Home Assistant logged template problems:\n" + "\n".join(bad)
        )


def setup_failures(log_file: Path) -> str:
    """Return the lines of Home Assistant's log that say a setup or config failed."""
    if not log_file.is_file():
        return ""
    return "\n".join(
        line
        for line in log_file.read_text(errors="replace").splitlines()
        if "[homeassistant.setup] Setup failed" in line
        or "[homeassistant.config] Invalid config" in line
    )


async def plan_ready(api: Api) -> dict[str, Any] | None:
    """Return ems.get_plan's answer once there is a plan with slots."""
    state = await api.state("sensor.ems_plan")
    if state is None or state["state"] in ("unknown", "unavailable"):
        return None
    answer = await api.get_plan()
    return answer if answer.get("plan") and answer["plan"]["slots"] else None


async def screenshot(browser: Chromium, shown: dict[str, Any], width: int) -> bytes:
    """Return the whole view at `width` as a small PNG."""
    height = min(max(shown["height"] + 16, 800), MAX_HEIGHT)
    return small_png(
        await browser.screenshot(width, height, mobile=width == PHONE_WIDTH)
    )


def small_png(png: bytes) -> bytes:
    """Return the screenshot as a 256-colour PNG (a fraction of the size)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
        out, format="PNG", optimize=True
    )
    return out.getvalue()


async def run(args: argparse.Namespace, artifacts: Path, log: list[str]) -> None:
    """Start Home Assistant, set it up, check the dashboard in Chromium."""
    cards = list(dashboard_cards(load_yaml_dict(DASHBOARD)))
    expected = expected_elements(cards)
    workdir = tempfile.TemporaryDirectory(prefix="ems-e2e-ha-")
    port = free_port()
    config = prepare_config(Path(workdir.name), port)
    base_url = f"http://127.0.0.1:{port}"
    started = time.monotonic()

    def step(text: str) -> None:
        line = f"[{time.monotonic() - started:6.1f} s] {text}"
        LOGGER.info(line)
        log.append(line)

    step(f"starting Home Assistant on {base_url} with {config}")
    with (artifacts / "hass-output.log").open("wb") as output:
        hass = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "homeassistant",
            "--config",
            str(config),
            "--skip-pip",
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )

    def alive() -> None:
        if hass.returncode is not None:
            raise HomeAssistantError(f"Home Assistant exited with {hass.returncode}")

    def starting() -> None:
        alive()
        if failed := setup_failures(config / "home-assistant.log"):
            raise HomeAssistantError("Home Assistant failed to start:\n" + failed)

    try:
        async with aiohttp.ClientSession() as session:
            api = Api(session, base_url)
            await wait_for(
                "Home Assistant's API",
                lambda: api.request("GET", "/api/onboarding"),
                timeout=START_TIMEOUT,
                alive=starting,
            )
            step("onboarding a user")
            login = await api.onboard()

            async def running() -> bool:
                config_info = await api.request("GET", "/api/config")
                return bool(config_info["state"] == "RUNNING")

            await wait_for("start-up", running, timeout=START_TIMEOUT, alive=alive)
            step("adding EMS through its config flow")
            await api.add_ems()
            plan = await wait_for(
                "EMS's first plan",
                lambda: plan_ready(api),
                timeout=PLAN_TIMEOUT,
                alive=alive,
            )
            step(f"plan: {len(plan['plan']['slots'])} slots, issues {plan['issues']}")
            await check_templates(api, cards)

            async with Chromium(args.chromium, log=log.append) as browser:
                tokens = json.dumps(login.frontend_tokens())
                await browser.call(
                    "Page.addScriptToEvaluateOnNewDocument",
                    source=(
                        f"if (location.origin === {json.dumps(base_url)}) "
                        f"localStorage.setItem('hassTokens', {json.dumps(tokens)});"
                    ),
                )

                async def look(name: str, width: int) -> tuple[Path, bytes]:
                    """Wait for the cards at `width`, keep a screenshot, check them."""
                    await browser.viewport(width, 1000, mobile=width == PHONE_WIDTH)
                    shown = await wait_for_cards(browser, expected, log)
                    step(f"{width} px: cards {shown['cards']}, plan {shown['plans']}")
                    png = await screenshot(browser, shown, width)
                    (artifacts / name).write_bytes(png)
                    (artifacts / f"{name}.json").write_text(json.dumps(shown, indent=2))
                    check_cards(shown, browser.exceptions)
                    if any(plan["width"] > width for plan in shown["plans"]):
                        raise DashboardError(f"the plan card is wider than {width} px")
                    return args.screenshot.with_name(name), png

                await browser.viewport(WIDTH, 1000)
                url = f"{base_url}/{DASHBOARD_URL}/plan"
                step(f"opening {url} in Chromium")
                await browser.call("Page.navigate", url=url)
                stem = args.screenshot.stem
                screenshots = [await look(args.screenshot.name, WIDTH)]
                pointed = await browser.evaluate(HOVER_SCRIPT)
                log.append(f"pointing at the plan: {json.dumps(pointed)}")
                check_pointing(pointed)
                edited = await browser.evaluate(EDITOR_SCRIPT)
                log.append(f"the card's editor: {json.dumps(edited)}")
                check_editor(edited)
                screenshots.append(await look(f"{stem}-mobile.png", PHONE_WIDTH))
                await browser.color_scheme("dark")
                screenshots.append(await look(f"{stem}-mobile-dark.png", PHONE_WIDTH))
            check_log(config / "home-assistant.log")
            for path, png in screenshots:
                path.write_bytes(png)
                step(f"dashboard OK; screenshot ({len(png) // 1024} KiB) in {path}")
    finally:
        await stop_process_group(hass, grace=60)
        for name in ("home-assistant.log",):
            if (config / name).is_file():
                shutil.copy2(config / name, artifacts / name)
        workdir.cleanup()


def main() -> int:
    """Run the test; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tests.e2e", description=__doc__)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--screenshot", type=Path, default=REPO / "docs/dashboard.png")
    parser.add_argument("--artifacts", type=Path, help="default: a new temp directory")
    args = parser.parse_args()
    logging.basicConfig(format="e2e: %(message)s", level=logging.INFO)
    artifacts = args.artifacts or Path(tempfile.mkdtemp(prefix="ems-e2e-"))
    artifacts.mkdir(parents=True, exist_ok=True)
    log: list[str] = []
    status = 0
    started = time.monotonic()
    try:
        asyncio.run(run(args, artifacts, log))
    except (BrowserError, DashboardError, HomeAssistantError) as err:
        LOGGER.error("FAILED: %s", err)
        status = 1
    finally:
        (artifacts / "e2e.log").write_text("\n".join(log) + "\n")
        LOGGER.info("%.0f s; artifacts in %s", time.monotonic() - started, artifacts)
    return status


if __name__ == "__main__":
    sys.exit(main())
