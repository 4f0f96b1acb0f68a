"""Behind a reverse proxy: the client's address from X-Forwarded-For, only when configured."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.web.conftest import csrf_from, sign_in
from web.security import proxy_hops

FORWARDED = {"X-Forwarded-For": "203.0.113.7"}


def _app(demo_db, instance, hops):
    from app import create_app

    config = {"DATABASE_URL": demo_db, "CREATE_ADMIN": False, "INSTANCE": str(instance)}
    if hops is not None:
        config["PROXY_HOPS"] = hops
    dash_app = create_app(config)
    dash_app.server.testing = True
    return dash_app


def _failed_sign_in_address(demo_db, app, username: str) -> str:
    client = app.server.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"username": username, "password": "wrong",
                                       "csrf_token": token},
                       headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert resp.status_code == 401
    engine = create_engine(demo_db)
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT address FROM audit_log WHERE action = 'login_failed' AND username = :u "
                "ORDER BY id DESC LIMIT 1"), {"u": username}).scalar_one()
    finally:
        engine.dispose()


def test_without_proxy_setting_a_forwarded_address_is_ignored(demo_db, tmp_path):
    app = _app(demo_db, tmp_path, None)
    assert _failed_sign_in_address(demo_db, app, "proxy-off") == "10.9.9.9"


def test_behind_one_proxy_the_audit_log_records_the_client(demo_db, tmp_path):
    app = _app(demo_db, tmp_path, 1)
    assert _failed_sign_in_address(demo_db, app, "proxy-on") == "203.0.113.7"
    # The throttling counts per client address too: a signed-in page still works.
    assert sign_in(app.server.test_client(), "u-staff").status_code == 302


@pytest.mark.parametrize("value, hops", [(None, 0), ("", 0), ("0", 0), ("2", 2), (1, 1)])
def test_proxy_hops_parses_the_setting(value, hops):
    assert proxy_hops(value) == hops


@pytest.mark.parametrize("value", ["one", "-1", "1.5"])
def test_proxy_hops_refuses_nonsense_with_a_sentence(value):
    with pytest.raises(ValueError, match="COURT_KPI_PROXY_HOPS"):
        proxy_hops(value)
