"""``POST /upload/file``: a browser upload streamed to a staging folder, and its token.

The browser (assets/upload.js) sends the file as the raw request body; it is written
to disk in 1 MB chunks while its SHA-256 is taken, so a file of hundreds of megabytes
never sits in memory, and the size limit (``COURT_KPI_MAX_UPLOAD_MB``, 200 MB by
default) is enforced while it arrives: past the limit the partial file is deleted and
the answer is 413 with a sentence in the user's language.

The answer is an upload token: a random name of the staged file, tied to the user
who sent it. The upload page's callbacks (callbacks/upload.py) find the file only
with the token *and* the same user, so a token seen by someone else is worthless.
Staged files are removed once loaded, and after a day in any case.

The upload page's Dash callbacks (component ids starting with ``upload-``) need the
upload permission; background callbacks run outside the request, so that is checked
here, on every callback request (start and polls), before Dash runs anything.
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

from flask import Blueprint, abort, current_app, jsonify, request

from data.accounts.access import UPLOAD
from layouts.format import megabytes
from layouts.upload_view import CALLBACK_PREFIX, max_upload_bytes
from web import instance_folder
from web.background import job_store
from web.guard import DASH_POST, require

blueprint = Blueprint("uploads", __name__)

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


# --- settings ------------------------------------------------------------------------


def staging_root(config: dict | None = None) -> Path:
    return instance_folder(config, "UPLOAD_DIR", "COURT_KPI_UPLOAD_DIR", "uploads")


# --- staging (pure file-system helpers) -------------------------------------------------


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


def save_checked(staged: Staged, frame, meta: dict) -> None:
    """The validated rows of a review without errors (Arrow IPC, types kept), so the load
    can write them without reading and checking the file again."""
    import pyarrow.feather as feather

    tmp = staged.folder / "checked.arrow.tmp"
    feather.write_feather(frame, tmp)
    tmp.replace(staged.folder / "checked.arrow")
    _write_json(staged.folder / "checked.json", meta)


def load_checked(staged: Staged):
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


# --- the route ---------------------------------------------------------------------


def _error(status: int, key: str, **params):
    from layouts.i18n import request_language, t

    return jsonify(error=t(key, request_language(), **params)), status


@blueprint.post("/upload/file")
def upload_file():
    viewer = require(UPLOAD)
    limit = max_upload_bytes(current_app.config)
    # Raw bytes only: a multipart body would be parsed (and spooled) before we see it.
    if request.mimetype != "application/octet-stream":
        return _error(415, "upload.error.content_type")
    if request.content_length is not None and request.content_length > limit:
        return _error(413, "upload.error.too_large", limit=megabytes(limit))
    from web.security import csrf

    csrf.protect()
    root = staging_root(current_app.config)
    sweep(root)
    filename = clean_filename(request.headers.get("X-Filename"))
    try:
        staged = stage(request.stream, root, viewer.username, filename, limit)
    except TooLarge:
        return _error(413, "upload.error.too_large", limit=megabytes(limit))
    except OSError:
        current_app.logger.exception("upload could not be staged")
        return _error(507, "upload.error.disk")
    if not staged.size:
        discard(staged)
        return _error(400, "upload.error.empty")
    return jsonify(token=staged.token, filename=staged.filename, size=staged.size)


def callback_output_ids(output: str) -> list[str]:
    """The component ids a Dash callback request writes to ("..a.b...c.d.." or "a.b")."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [part.rsplit(".", 1)[0] for part in parts]


def owner(root: Path, token: str | None) -> str | None:
    """Who staged the file of ``token`` (None when there is no such file)."""
    if not token or not _TOKEN.match(str(token)):
        return None
    meta = _read_json(root / token / "meta.json")
    return meta.get("user") if meta else None


def payload_tokens(body: dict) -> list[str]:
    """The staging tokens a callback request carries in its inputs and state (pure)."""
    found = []
    for item in [*(body.get("inputs") or []), *(body.get("state") or [])]:
        for dep in item if isinstance(item, list) else [item]:
            value = dep.get("value") if isinstance(dep, dict) else None
            if isinstance(value, dict) and isinstance(value.get("token"), str):
                found.append(value["token"])
    return found


HANDLES = ("cacheKey", "job", "oldJob")


@blueprint.before_app_request
def _upload_callbacks_need_permission():
    """Upload callbacks need the permission, and a staged file or a background job
    belongs to the user who made it: another user's token or handle is refused here,
    before anything starts (a file that is simply gone is the callback's to explain)."""
    if request.method != "POST" or request.path != DASH_POST:
        return None
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    handles = [h for key in HANDLES for h in request.args.getlist(key)]
    is_upload = isinstance(output, str) and any(i.startswith(CALLBACK_PREFIX)
                                                for i in callback_output_ids(output))
    if not is_upload and not handles:
        return None
    viewer = require(UPLOAD)
    root = staging_root(current_app.config)
    for token in payload_tokens(body) if is_upload else []:
        made_by = owner(root, token)
        if made_by is not None and made_by != viewer.username:
            abort(403)
    jobs = job_store(current_app)
    if any(jobs.owner(handle) != viewer.username for handle in handles):
        abort(403)
    return None


@blueprint.after_app_request
def _remember_who_started_a_job(response):
    """The handles of a background callback just started are its user's alone."""
    if request.method != "POST" or request.path != DASH_POST or request.args.get("cacheKey") \
            or response.status_code != 200 or response.mimetype != "application/json" \
            or response.direct_passthrough:
        return response
    if not response.get_data()[:20].lstrip().startswith(b'{"cacheKey"'):
        return response  # an ordinary answer (large figures): not parsed for nothing
    started = response.get_json(silent=True)
    if isinstance(started, dict) and "cacheKey" in started and "job" in started:
        from web.guard import current_viewer

        viewer = current_viewer()
        jobs = job_store(current_app)
        for key in ("cacheKey", "job"):
            jobs.set_owner(str(started[key]), viewer.username if viewer else "")
    return response
