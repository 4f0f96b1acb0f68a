"""Secret key, cookies, CSRF and security headers."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect, generate_csrf, validate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import WSGIRequestHandler
from wtforms.validators import ValidationError

csrf = CSRFProtect()
# dash-renderer sends this cookie back as the X-CSRFToken header of every callback.
DASH_CSRF_COOKIE = "_csrf_token"


def secret_key(instance: Path) -> str:
    """``SECRET_KEY`` from the environment, else one generated once and kept in ``instance``.

    Kept in a file so sessions survive restarts and every worker shares it; the file is
    created readable by its owner only and instance/ is never committed.
    """
    from_env = os.environ.get("COURT_KPI_SECRET_KEY") or os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        # Written under another name and renamed: a second process starting at the same
        # moment never reads a half-written key, and the first rename wins.
        tmp = instance / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)  # fails if another process got there first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def configure(server: Flask, instance: Path) -> None:
    https = os.environ.get("COURT_KPI_HTTPS", "").lower() in ("1", "true", "yes")
    if not server.config.get("SECRET_KEY"):  # Flask's default is None, not missing
        server.config["SECRET_KEY"] = secret_key(instance)
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=https,
        # Forms and callbacks are checked where they are handled (login, upload,
        # Dash callbacks), not by a blanket rule that would also hit the API's GETs.
        WTF_CSRF_CHECK_DEFAULT=False,
        # A token lives as long as the session: a page left open all day still works.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=https,
    )
    csrf.init_app(server)
    hops = proxy_hops(server.config.get("PROXY_HOPS", os.environ.get("COURT_KPI_PROXY_HOPS")))
    if hops:
        # Only behind proxies we run: otherwise anyone could name their own address in
        # X-Forwarded-For and write it into the audit log and the sign-in throttling.
        # Flask documents wrapping wsgi_app like this; its stubs type it a method.
        server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


class QuietRequestHandler(WSGIRequestHandler):
    """The development server without its and Python's versions in ``Server``
    (gunicorn, the production server, sends a bare "gunicorn")."""

    def version_string(self) -> str:
        return SERVER_NAME


SERVER_NAME = "Court KPI"


def proxy_hops(value) -> int:
    """How many reverse proxies to trust for X-Forwarded-* (0: none, the default)."""
    if value in (None, ""):
        return 0
    try:
        hops = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"COURT_KPI_PROXY_HOPS must be a whole number, not {value!r}") from None
    if hops < 0:
        raise ValueError(f"COURT_KPI_PROXY_HOPS must be 0 or more, not {hops}")
    return hops


# What a callback raises when its payload is not what the page sends: missing keys, wrong
# types, unknown ids. A database or programming failure (anything else) stays a 500.
BAD_PAYLOAD_ERRORS: tuple[type[BaseException], ...] = (
    KeyError, IndexError, TypeError, ValueError, AttributeError)


def client_fault(path: str, error: BaseException | None) -> int:
    """The status for an exception raised while answering ``path``: 404 for an unknown
    file under Dash's bundles, 400 for a malformed callback payload, else 500."""
    from dash.exceptions import DashException

    if path.startswith("/_dash-component-suites/"):
        return 404
    if path == "/_dash-update-component" and isinstance(
            error, (*BAD_PAYLOAD_ERRORS, DashException)):
        return 400
    return 500


def content_security_policy(script_hashes: list[str]) -> str:
    """Dash runs with scripts from this server only (plus the hashes of Dash's inline
    bootstrap scripts); Plotly needs inline styles and data:/blob: images for PNGs."""
    # Dash's csp_hashes() come quoted already: 'sha256-...'.
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def add_headers(response, policy: str, https: bool):
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if https:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def shared_cacheable(response) -> bool:
    """True when a shared cache (a proxy, a CDN) may keep ``response``: it then carries
    no cookie of anyone's (issue 30)."""
    return "public" in {d.strip().lower() for d in
                        (response.headers.get("Cache-Control") or "").split(",")}


def refresh_dash_csrf_cookie(response, signed_in: bool, https: bool):
    """Give a signed-in browser the token Dash echoes back in X-CSRFToken."""
    if not signed_in:
        return response
    try:
        validate_csrf(request.cookies.get(DASH_CSRF_COOKIE))
    except ValidationError:
        response.set_cookie(DASH_CSRF_COOKIE, generate_csrf(), samesite="Lax", secure=https,
                            httponly=False)
    return response
