"""Files received from a browser, staged on disk until they are reviewed and loaded.

A file is written in 1 MB chunks while its SHA-256 is taken (so hundreds of megabytes
never sit in memory) into a folder named by a random token, with who sent it. Only
the token *and* the same user find it again, so a token seen by someone else is
worthless. Next to the file: what the review found (every issue) and, for a review
without errors, the validated rows (Arrow IPC, types kept) the load writes without
reading and checking the file again. Pure file-system work; the route that receives
files is web/uploads.py, the review-then-write flow data/ingest/review.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

import pandas as pd

CHUNK = 1 << 20
MAX_AGE_SECONDS = 24 * 3600
MAX_NAME = 200
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class TooLarge(Exception):
    """The upload went past the size limit; nothing was kept."""


@dataclass(frozen=True)
class Staged:
    """A file received from a browser, waiting to be reviewed and loaded."""

    token: str
    user: str
    filename: str
    size: int
    sha256: str
    created: float
    folder: Path

    @property
    def path(self) -> Path:
        return self.folder / "data"


def clean_filename(name: str | None) -> str:
    """The name the user gave, fit for showing and for the upload record (never a path)."""
    text = unicodedata.normalize("NFC", unquote(name or ""))
    text = _CONTROL.sub("", text.replace("\\", "/")).rsplit("/", 1)[-1].strip()
    return text[:MAX_NAME] or "upload"


def stage(stream: BinaryIO, root: Path, user: str, filename: str, limit: int) -> Staged:
    """Copy ``stream`` to a new staging folder, at most ``limit`` bytes (else TooLarge)."""
    token = secrets.token_urlsafe(24)  # 32 characters
    folder = root / token
    folder.mkdir(parents=True, mode=0o700)
    part = folder / "data.part"
    digest, size = hashlib.sha256(), 0
    try:
        with open(part, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    part.rename(folder / "data")
    staged = Staged(token, user, filename, size, digest.hexdigest(), time.time(), folder)
    # The metadata is written last: a folder without it is an unfinished upload.
    _write_json(folder / "meta.json", {"user": user, "filename": filename, "size": size,
                                       "sha256": staged.sha256, "created": staged.created})
    return staged


def find(root: Path, token: str | None, user: str | None) -> Staged | None:
    """The staged file of ``token`` if it belongs to ``user`` (None otherwise)."""
    if not token or not user or not _TOKEN.match(str(token)):
        return None
    folder = root / token
    meta = _read_json(folder / "meta.json")
    if not meta or meta.get("user") != user or not (folder / "data").is_file():
        return None
    return Staged(token, user, meta["filename"], int(meta["size"]), meta["sha256"],
                  float(meta["created"]), folder)


def discard(staged: Staged) -> None:
    shutil.rmtree(staged.folder, ignore_errors=True)


def sweep(root: Path, now: float | None = None, max_age: float = MAX_AGE_SECONDS) -> int:
    """Remove staged uploads older than ``max_age`` seconds; how many went."""
    now = time.time() if now is None else now
    removed = 0
    if not root.is_dir():
        return 0
    for folder in root.iterdir():
        try:
            if folder.is_dir() and now - folder.stat().st_mtime > max_age:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue  # removed by another process meanwhile
    return removed


def save_review(staged: Staged, review: dict) -> None:
    """What the review found (every issue kept), for the report download."""
    _write_json(staged.folder / "review.json", review)


def load_review(staged: Staged) -> dict | None:
    return _read_json(staged.folder / "review.json")


def save_checked(staged: Staged, frame: pd.DataFrame, meta: dict) -> None:
    """The validated rows of a review without errors (Arrow IPC, types kept), so the load
    can write them without reading and checking the file again."""
    import pyarrow.feather as feather

    tmp = staged.folder / "checked.arrow.tmp"
    feather.write_feather(frame, tmp)
    tmp.replace(staged.folder / "checked.arrow")
    _write_json(staged.folder / "checked.json", meta)


def load_checked(staged: Staged) -> tuple[pd.DataFrame, dict] | None:
    """(frame, meta) saved by ``save_checked``, or None."""
    import pyarrow.feather as feather

    meta = _read_json(staged.folder / "checked.json")
    path = staged.folder / "checked.arrow"
    if meta is None or not path.is_file():
        return None
    return feather.read_feather(path), meta


def discard_checked(staged: Staged) -> None:
    for name in ("checked.json", "checked.arrow"):
        (staged.folder / name).unlink(missing_ok=True)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(path)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def owner(root: Path, token: str | None) -> str | None:
    """Who staged the file of ``token`` (None when there is no such file)."""
    if not token or not _TOKEN.match(str(token)):
        return None
    meta = _read_json(root / token / "meta.json")
    return meta.get("user") if meta else None
