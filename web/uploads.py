"""``POST /upload/file``: a browser upload streamed to a staging folder, and its token.

The browser (assets/upload.js) sends the file as the raw request body; it is written
to disk in 1 MB chunks while its SHA-256 is taken, so a file of hundreds of megabytes
never sits in memory, and the size limit (``COURT_KPI_MAX_UPLOAD_MB``, 200 MB by
default) is enforced while it arrives: past the limit the partial file is deleted and
the answer is 413 with a sentence in the user's language.

The answer is an upload token: a random name of the staged file, tied to the user
who sent it (data/ingest/staging.py keeps the files; data/ingest/review.py reviews
and loads them). Staged files are removed once loaded, and after a day in any case.

The upload page's Dash callbacks (component ids starting with ``upload-``) need the
upload permission; background callbacks run outside the request, so that is checked
here, on every callback request (start and polls), before Dash runs anything.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request

from data.accounts.access import UPLOAD
from data.ingest.staging import TooLarge, clean_filename, discard, owner, stage, sweep
from layouts.format import megabytes
from layouts.upload_view import CALLBACK_PREFIX, max_upload_bytes
from web import instance_folder
from web.background import job_store
from web.guard import DASH_POST, require

blueprint = Blueprint("uploads", __name__)

# --- settings ------------------------------------------------------------------------


def staging_root(config: dict | None = None) -> Path:
    return instance_folder(config, "UPLOAD_DIR", "COURT_KPI_UPLOAD_DIR", "uploads")


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
