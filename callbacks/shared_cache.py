"""A cache shared by every worker process (Redis via Flask-Caching) when REDIS_URL is set.

Keys carry the data version (see Services.version), so an upload, an undo or a target
edit makes every older entry unreachable the moment it commits: invalidation is exact
without deleting anything; old entries simply expire. If Redis stops answering, the
pages keep working from the database and a warning is logged.
"""

from __future__ import annotations

import logging
import os
from typing import Any

LOG = logging.getLogger("court_kpi")
DEFAULT_TTL_S = 6 * 3600


class SharedCache:
    """Flask-Caching's Redis backend; every failure is a miss, never an error page."""

    def __init__(self, url: str, prefix: str = "court_kpi:", ttl: int = DEFAULT_TTL_S):
        import redis
        from flask_caching.backends.rediscache import RedisCache

        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.backend = RedisCache(host=client, default_timeout=ttl, key_prefix=prefix)
        self._warned = False

    def _failed(self, exc: Exception) -> None:
        if not self._warned:
            LOG.warning("shared cache unavailable, reading the database instead: %s", exc)
            self._warned = True

    def get(self, key: str) -> Any | None:
        try:
            # Values are pickled by the backend. Only this app writes under its prefix:
            # Redis must be a private service (bound to localhost or a private network).
            value = self.backend.get(key)
        except Exception as exc:  # noqa: BLE001 - Redis down must not take pages down
            self._failed(exc)
            return None
        self._warned = False
        return value

    def set(self, key: str, value: Any) -> None:
        try:
            self.backend.set(key, value)
        except Exception as exc:  # noqa: BLE001
            self._failed(exc)


    def claim(self, key: str, seconds: int) -> bool:
        """True when this worker may build ``key`` (Redis SET NX of a marker that lapses
        after ``seconds``); with Redis down, every worker builds for itself."""
        try:
            return bool(self.backend.add(f"{key}:building", 1, timeout=seconds))
        except Exception as exc:  # noqa: BLE001
            self._failed(exc)
            return True

    def release(self, key: str) -> None:
        try:
            self.backend.delete(f"{key}:building")
        except Exception as exc:  # noqa: BLE001
            self._failed(exc)


def from_environment(url: str | None, namespace: str) -> SharedCache | None:
    """The shared cache at ``url`` or $REDIS_URL (None without either); ``namespace``
    keeps databases sharing one Redis apart."""
    url = url or os.environ.get("REDIS_URL")
    return SharedCache(url, prefix=f"court_kpi:{namespace}:") if url else None
