"""An app over the small demo data, driven with raw HTTP (Flask's test client): what
an attacker without a browser can send."""

from __future__ import annotations

import json
import os
import re

import pytest

from data.accounts import users
from data.store.db import make_engine
from tests.conftest import DEMO_AS_OF

PASSWORD = "correct-horse-battery"
JUDGE_COURT = "KZ10-D01"
OTHER_COURT = "KZ11-D01"
ROLES = {"admin": None, "staff": None, "analyst": None, "judge": JUDGE_COURT}


# SQLite unless told otherwise: tests/test_web_on_postgresql.py runs this whole folder
# again in a process of its own with COURT_KPI_TEST_WEB_DB=postgresql (one Dash app per
# process: a second one in the same process would take over the first one's callbacks).
WEB_DB = os.environ.get("COURT_KPI_TEST_WEB_DB", "sqlite")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory, demo_templates):
    """The small demo (``load_demo``), copied from the run's template, with an account
    per role."""
    with demo_templates.copy(WEB_DB, tmp_path_factory.mktemp("web"), DEMO_AS_OF) as url:
        engine = make_engine(url)
        with engine.begin() as conn:
            for role, court in ROLES.items():
                users.add_user(conn, f"u-{role}", role, PASSWORD, court)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def app(demo_db, tmp_path_factory):
    from app import create_app

    # The public view of releases is on (issue 14), as a deployment that publishes has
    # it: tests/web/test_public_http.py checks it opens nothing else.
    dash_app = create_app({"DATABASE_URL": demo_db, "CREATE_ADMIN": False,
                           "INSTANCE": str(tmp_path_factory.mktemp("instance")),
                           "PUBLIC": "1", "PUBLIC_RATE": "100000 per minute",
                           # A scraper's address may read /metrics (test_metrics_http.py).
                           "METRICS_ALLOW": "192.0.2.10/32, 2001:db8::/64"})
    dash_app.server.testing = True
    return dash_app


@pytest.fixture
def client(app):
    return app.server.test_client()


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username: str, password: str = PASSWORD, address: str = "10.0.0.1"):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def as_role(app):
    """``as_role("judge")``: a test client with a signed-in session of that role."""

    def make(role: str):
        c = app.server.test_client()
        response = sign_in(c, f"u-{role}")
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        c.get("/")  # the first page sets the cookie Dash echoes as X-CSRFToken
        return c

    return make


def _outputs(output: str) -> list[dict]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    outs = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        outs.append({"id": json.loads(ident) if ident.startswith("{") else ident,
                     "property": prop})
    return outs


def callback_body(app, input_id, prop: str, value, state: list | None = None) -> dict:
    """The JSON dash-renderer would POST for the callback fired by ``input_id.prop``."""
    for cb in app._callback_list:
        inputs = cb["inputs"]
        if len(inputs) == 1 and inputs[0]["id"] == (json.dumps(input_id, sort_keys=True,
                                                               separators=(",", ":"))
                                                    if isinstance(input_id, dict) else input_id) \
                and inputs[0]["property"] == prop:
            outputs = _outputs(cb["output"])
            return {"output": cb["output"],
                    "outputs": outputs if len(outputs) > 1 else outputs[0],
                    "inputs": [{"id": input_id, "property": prop, "value": value}],
                    "changedPropIds": [f"{inputs[0]['id']}.{prop}"],
                    "state": [{"id": json.loads(s["id"]) if s["id"].startswith("{")
                               else s["id"], "property": s["property"], "value": v}
                              for s, v in zip(cb["state"], state or [], strict=False)]}
    raise LookupError(f"no callback on {input_id}.{prop}")


def page_body(path: str, search: str = "") -> dict:
    """The JSON dash-renderer POSTs to render the page at ``path?search`` (Dash pages'
    router), which also computes the page's first view (callbacks.first_view)."""
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}


def components(response) -> dict[str, dict]:
    """Component id (as Dash keys a callback's answer: a dict id as sorted JSON) -> its
    props, of every component with an id in the page a ``page_body`` request rendered."""
    found: dict[str, dict] = {}

    def walk(node) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict) and "props" in node:
            ident = node["props"].get("id")
            if ident is not None:
                found[json.dumps(ident, sort_keys=True, separators=(",", ":"))
                      if isinstance(ident, dict) else ident] = node["props"]
            walk(node["props"].get("children"))

    walk(response.get_json()["response"]["_pages_content"]["children"])
    return found


def post_callback(client, body: dict):
    token = client.get_cookie("_csrf_token")
    headers = {"X-CSRFToken": token.value} if token else {}
    return client.post("/_dash-update-component", json=body, headers=headers)
