"""Fewer bytes and fewer round trips for the browser (issue 18).

* **Compression** (Flask-Compress): pages, Dash's bundles, its JSON and the API's answers
  go out as zstd, Brotli or gzip, whichever the browser takes. Dash's bundles (named by
  version) never change under their URL, so each is compressed once per worker and
  kept; everything else is compressed as it goes out.
* **Caching**: an asset URL carries its file's modification time (``?m=``), so the
  browser may keep it for a year instead of asking again on every page; Dash already
  does so for its own bundles.

Registered before every other ``after_request`` hook, so it runs after all of them:
the hooks that read or rewrite a body (the page's ``lang``, the upload jobs) see it
uncompressed.
"""

from __future__ import annotations

from flask import Flask, request
from flask_compress import Compress

IMMUTABLE = "public, max-age=31536000, immutable"
_FIXED = ("/_dash-component-suites/", "/assets/")
_KEEP = ";fixed:"  # the part of a cache key that marks a response worth keeping


def _fixed_url() -> bool:
    """A URL whose body never changes: a versioned Dash bundle or a stamped asset."""
    return request.path.startswith(_FIXED) and bool(request.query_string or
                                                    "/_dash-component-suites/" in request.path)


def _cache_key(req) -> str:
    return f"fixed:{req.full_path}" if _fixed_url() else "once"


class FixedOnly:
    """Flask-Compress's cache, keeping only the compressed bodies of fixed URLs (the
    library offers one cache for every response; most are made once)."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.data.get(key) if _KEEP in key else None

    def set(self, key: str, value: bytes) -> None:
        if _KEEP in key:
            self.data[key] = value


def init(server: Flask) -> None:
    server.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/csv", "text/plain", "text/javascript",
        "application/javascript", "application/json", "image/svg+xml"])
    server.config.setdefault("COMPRESS_CACHE_BACKEND", FixedOnly)
    server.config.setdefault("COMPRESS_CACHE_KEY", _cache_key)
    # Files Flask streams (the assets) are compressed chunk by chunk as they go out; a
    # browser asks for each once a year now (below).
    server.config.setdefault("COMPRESS_STREAMS", True)
    Compress(server)

    @server.after_request
    def cache_assets(response):
        if request.path.startswith("/assets/") and request.args.get("m") \
                and response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        return response
