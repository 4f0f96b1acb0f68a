"""The real app in a subprocess and Debian's headless Chromium, for benchmarks,
browser tests and the README screenshots (one copy of the start/wait/stop dance).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out on a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(url: str, log_path: Path, root: Path = ROOT):
    """``python app.py --db URL --port P --no-demo`` in ``root`` (default this checkout);
    yields the base URL; stops it."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "w") as fh:
        proc = subprocess.Popen([sys.executable, "app.py", "--db", url, "--port", str(port),
                                 "--no-demo"], cwd=root, stdout=fh, stderr=subprocess.STDOUT,
                                env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"app exited with {proc.returncode}; see {log_path}")
                try:
                    with urllib.request.urlopen(base + "/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"app did not answer at {base}") from None
                    time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class HttpSession:
    """A cookie-keeping client over plain http.client for scripts and tests without a
    browser. A new connection per request, so gunicorn hands each to a free worker."""

    def __init__(self, base: str, timeout: float = 120):
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port, self.timeout = host, int(port), timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        import http.client

        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        hdrs = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                **(headers or {})}
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return resp.status, dict(resp.getheaders()), data

    def sign_in(self, username: str, password: str) -> int:
        """Through the /login form with its CSRF token; the HTTP status (302 = signed in)."""
        import re
        from urllib.parse import urlencode

        _, _, form = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', form).group(1).decode()
        status, _, _ = self.request(
            "POST", "/login", urlencode({"username": username, "password": password,
                                         "csrf_token": token}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        return status


def login(context, base: str, username: str, password: str) -> None:
    """Sign a Playwright browser context in through the real /login form (cookies shared)."""
    import re

    form = context.request.get(base + "/login").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = context.request.post(base + "/login", form={
        "username": username, "password": password, "csrf_token": token, "next": "/health"})
    if not response.ok or "/login" in response.url:
        raise RuntimeError(f"could not sign in as {username}: HTTP {response.status}")


@contextlib.contextmanager
def chromium():
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def pg_reachable(url: str) -> str | None:
    try:
        eng = create_engine(url)
        try:
            with eng.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            eng.dispose()
        return None
    except Exception as exc:  # any failure to reach the server
        return str(exc).strip().splitlines()[0]
