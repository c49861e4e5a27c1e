"""Headless Chromium driven over the DevTools protocol (aiohttp, no Playwright)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
import contextlib
import itertools
import json
import os
from pathlib import Path
import signal
import tempfile
import time
from typing import Any, Self

import aiohttp

# The flags the project asks for, a remote debugging port Chromium picks itself and a
# dead proxy for everything but loopback, so that only 127.0.0.1 is ever reached.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--proxy-server=http://127.0.0.1:9",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "--hide-scrollbars",
    "--lang=en-US",
)
START_TIMEOUT = 30.0
CALL_TIMEOUT = 30.0


class BrowserError(RuntimeError):
    """Chromium did not start or a DevTools call failed."""


class Chromium:
    """One headless Chromium with one page; an async context manager."""

    def __init__(self, executable: str, *, log: Callable[[str], None]) -> None:
        """Prepare to start executable; log receives console and network lines."""
        self._executable = executable
        self._log = log
        self._profile = tempfile.TemporaryDirectory(prefix="ems-e2e-chromium-")
        self._process: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.outside_requests: list[str] = []
        self.exceptions: list[str] = []

    async def __aenter__(self) -> Self:
        """Start Chromium and attach to its first page."""
        profile = Path(self._profile.name)
        self._process = await asyncio.create_subprocess_exec(
            self._executable,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            await self._attach(profile / "DevToolsActivePort")
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop Chromium."""
        await self.close()

    async def _attach(self, port_file: Path) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not port_file.is_file() or not port_file.read_text().strip():
            assert self._process is not None
            if self._process.returncode is not None:
                raise BrowserError(f"chromium exited with {self._process.returncode}")
            if time.monotonic() > deadline:
                raise BrowserError("chromium did not open its DevTools port")
            await asyncio.sleep(0.2)
        port = int(port_file.read_text().split()[0])
        self._session = aiohttp.ClientSession()
        async with self._session.get(f"http://127.0.0.1:{port}/json/list") as answer:
            targets = await answer.json()
        page = next(target for target in targets if target["type"] == "page")
        self._socket = await self._session.ws_connect(
            page["webSocketDebuggerUrl"], max_msg_size=0
        )
        self._reader = asyncio.create_task(self._read())
        for domain in ("Page", "Runtime", "Network"):
            await self.call(f"{domain}.enable")

    async def _read(self) -> None:
        assert self._socket is not None
        async for message in self._socket:
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            if (future := self._pending.pop(data.get("id", -1), None)) is not None:
                if not future.done():
                    future.set_result(data)
            else:
                self._event(data.get("method", ""), data.get("params", {}))
        for future in self._pending.values():
            future.set_exception(BrowserError("the DevTools connection closed"))

    def _event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.consoleAPICalled":
            text = " ".join(
                str(arg.get("value", arg.get("description", "")))
                for arg in params.get("args", [])
            )
            self._log(f"console.{params.get('type')}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            description = details.get("exception", {}).get("description")
            self.exceptions.append(str(description or details.get("text")))
            self._log(f"exception: {self.exceptions[-1]}")
        elif method == "Network.requestWillBeSent":
            url: str = params.get("request", {}).get("url", "")
            if url.startswith(("http:", "https:", "ws:", "wss:")) and not url.split(
                "//", 1
            )[1].startswith("127.0.0.1"):
                self.outside_requests.append(url)
                self._log(f"outside request (blocked): {url}")

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a DevTools method on the page; return its result."""
        if self._socket is None:
            raise BrowserError("chromium is not running")
        message_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending[message_id] = future
        await self._socket.send_json(
            {"id": message_id, "method": method, "params": params}
        )
        async with asyncio.timeout(CALL_TIMEOUT):
            answer = await future
        if "error" in answer:
            raise BrowserError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    async def evaluate(self, expression: str) -> Any:
        """Evaluate a JavaScript expression in the page; return its JSON value."""
        result = await self.call(
            "Runtime.evaluate",
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"script failed: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    async def viewport(self, width: int, height: int, *, mobile: bool = False) -> None:
        """Show the page at width x height CSS pixels, as a phone when `mobile`."""
        await self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )
        await asyncio.sleep(2)  # let the cards redraw at the new size

    async def color_scheme(self, scheme: str) -> None:
        """Make the page see the system's colour scheme as `light` or `dark`."""
        await self.call(
            "Emulation.setEmulatedMedia",
            features=[{"name": "prefers-color-scheme", "value": scheme}],
        )
        await asyncio.sleep(2)  # let the theme change

    async def screenshot(
        self, width: int, height: int, *, mobile: bool = False
    ) -> bytes:
        """Return a PNG of the page at width x height CSS pixels."""
        await self.viewport(width, height, mobile=mobile)
        result = await self.call("Page.captureScreenshot", format="png")
        return base64.b64decode(result["data"])

    async def close(self) -> None:
        """Close the connection and end Chromium and its helpers."""
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                await asyncio.wait_for(self._reader, 5)
        if self._session is not None:
            await self._session.close()
        if self._process is not None and self._process.returncode is None:
            await stop_process_group(self._process, grace=10)
        self._profile.cleanup()


async def stop_process_group(
    process: asyncio.subprocess.Process, *, grace: float
) -> None:
    """Ask a process (leader of its own session) and its children to end; then kill."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
