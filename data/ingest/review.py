"""A browser upload from review to write, in one place (no Dash, no Flask).

* review: ``check_file`` on the staged file, exactly the loader's read and validation;
  every issue is kept next to the file (data/ingest/staging.py) for the page's table and
  CSV, and the validated rows of a clean file with the data version they were checked
  against;
* load: those rows are written (``write_upload``) when nothing was loaded or undone
  since the review, so the checks against the database would find the same; else the
  file is read, checked and loaded again, exactly as the CLI does (``load_file``).

The upload page's callbacks (callbacks/upload.py) report progress and show the result;
the route that receives files is web/uploads.py.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from sqlalchemy import Engine

from data.ingest import profiles, staging
from data.ingest.load import Checked, LoadReport, Progress, check_file, load_file, write_upload
from data.ingest.validate import Issue

# What picks the import profile for a file as read (data.ingest.profiles.chooser).
ProfileChooser = Callable[..., object]


def iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def checked_meta(checked: Checked, version: tuple, as_of: dt.date | None = None) -> dict:
    """What the load needs besides the rows, to write them as ``load_file`` would:
    with the as-of date asked for (``given``) and the one the rows carry."""
    report, result = checked.report, checked.result
    assert result is not None  # only a valid review keeps its rows
    return {"kind": result.kind, "present": list(result.present), "rows": report.rows,
            "detected": report.detected, "warning_count": report.warning_count,
            "warnings": [i.as_dict() for i in report.warnings], "version": list(version),
            "as_of_given": iso(as_of), "as_of": report.as_of,
            "as_of_default": report.as_of_default}


def reviewed_report(meta: dict, staged: staging.Staged) -> LoadReport:
    """The load report of a review, as the write of its kept rows starts from."""
    warnings = [Issue(w["line"], w["column"], w["value"], w["code"], w.get("params") or {})
                for w in meta["warnings"]]
    return LoadReport("rejected", staged.filename, meta["kind"], sha256=staged.sha256,
                      size_bytes=staged.size, rows=meta["rows"], warnings=warnings,
                      warning_count=meta["warning_count"], detected=meta["detected"],
                      as_of=meta.get("as_of"), as_of_default=bool(meta.get("as_of_default")))


def reviewed_profile(body: dict | None) -> profiles.Profile | None:
    """The profile the review read the file with, to read it the same way at load.

    Checked again: the page's store comes from the browser.
    """
    if not body:
        return None
    return profiles.from_json(json.dumps(body), named=False)


def review(engine: Engine, staged: staging.Staged, kind: str | None, limit: int | None,
           progress: Progress, profile: ProfileChooser | None,
           version: tuple, as_of: dt.date | None = None) -> Checked:
    """Read and check the staged file as the loader would, and keep what was found next
    to it: every issue, and the validated rows of a file without errors (with the as-of
    date they were checked with, periods.md "Data freshness")."""
    checked = check_file(engine, staged.path, kind=kind, filename=staged.filename,
                         max_bytes=limit, progress=progress, profile=profile, as_of=as_of)
    report = checked.report
    if report.status == "valid" and checked.result is not None:
        progress("preview", 0.8)
        staging.save_checked(staged, checked.result.frame,
                             checked_meta(checked, version, as_of))
    else:
        staging.discard_checked(staged)
    staging.save_review(staged, {
        "errors": [i.as_dict() for i in report.errors],
        "warnings": [i.as_dict() for i in report.warnings],
        "error_count": report.error_count, "warning_count": report.warning_count})
    return checked


def load(engine: Engine, staged: staging.Staged, *, kind: str | None,
         detected_kind: str | None, profile: dict | None, user: str, address: str | None,
         version: tuple, limit: int | None, progress: Progress,
         as_of: dt.date | None = None) -> LoadReport:
    """Write the rows the review validated (with the as-of date they were reviewed with)
    when nothing was loaded or undone since and ``as_of`` is the one reviewed; else read,
    check and load the file again, exactly as the CLI does. The staged file is removed
    once it is loaded (or was already)."""
    saved = staging.load_checked(staged)
    report = None
    if saved is not None:
        frame, meta = saved
        if meta.get("kind") == detected_kind and meta.get("version") == list(version) \
                and meta.get("as_of_given") == iso(as_of):
            report = reviewed_report(meta, staged)
            progress("writing", 0.4)
            report = write_upload(engine, meta["kind"], frame, report, user=user,
                                  source="web", present=tuple(meta["present"]),
                                  progress=progress, address=address)
    if report is None:
        report = load_file(engine, staged.path, kind=kind or None, user=user, source="web",
                           filename=staged.filename, max_bytes=limit, progress=progress,
                           address=address, profile=reviewed_profile(profile), as_of=as_of)
    if report.status in ("loaded", "already_loaded"):
        staging.discard(staged)
    return report
