"""The Flask side of the app: sign-in, access checks on every request, security headers,
the JSON/CSV API and the health check. Dash pages and callbacks sit behind it."""

from __future__ import annotations

import os
from pathlib import Path

INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def instance_folder(config: dict | None, key: str, env: str, name: str) -> Path:
    """A working folder: ``config[key]``, else $``env``, else ``<instance>/<name>``."""
    config = config or {}
    explicit = config.get(key) or os.environ.get(env)
    if explicit:
        return Path(explicit)
    return Path(config.get("INSTANCE") or INSTANCE) / name
