"""Behind a reverse proxy: the client's address from X-Forwarded-For, only when configured.

A bare Flask app set up by ``web.security.configure``, as ``create_app`` does: a second
Dash app in this process would take over the session app's callbacks (Dash keeps them
globally).
"""

from __future__ import annotations

import pytest
from flask import Flask, request

from web.auth import client_address
from web.security import configure, proxy_hops

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def _server(tmp_path, hops) -> Flask:
    server = Flask(__name__)
    if hops is not None:
        server.config["PROXY_HOPS"] = hops
    configure(server, tmp_path)
    server.add_url_rule("/who", "who", lambda: {"address": client_address(),
                                               "scheme": request.scheme})
    return server


def _who(server: Flask) -> dict:
    return server.test_client().get("/who", headers=FORWARDED,
                                    environ_base={"REMOTE_ADDR": "10.9.9.9"}).get_json()


def test_without_the_setting_a_forwarded_address_is_ignored(tmp_path, monkeypatch):
    monkeypatch.delenv("COURT_KPI_PROXY_HOPS", raising=False)
    assert _who(_server(tmp_path, None)) == {"address": "10.9.9.9", "scheme": "http"}


def test_behind_one_proxy_the_client_address_and_scheme_are_used(tmp_path):
    assert _who(_server(tmp_path, 1)) == {"address": "203.0.113.7", "scheme": "https"}


def test_the_setting_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("COURT_KPI_PROXY_HOPS", "1")
    assert _who(_server(tmp_path, None))["address"] == "203.0.113.7"


@pytest.mark.parametrize("value, hops", [(None, 0), ("", 0), ("0", 0), ("2", 2), (1, 1)])
def test_proxy_hops_parses_the_setting(value, hops):
    assert proxy_hops(value) == hops


@pytest.mark.parametrize("value", ["one", "-1", "1.5"])
def test_proxy_hops_refuses_nonsense_with_a_sentence(value):
    with pytest.raises(ValueError, match="COURT_KPI_PROXY_HOPS"):
        proxy_hops(value)
