"""A validation issue (data.ingest.validate.Issue, stored with an upload as a dict) as a sentence
in the reader's language: the upload review, the upload history, the targets import and
the coverage page's warnings all word it the same way."""

from __future__ import annotations

from layouts.format import fmt_date
from layouts.i18n import t

GRAINS = ("year", "quarter", "month")  # of caseload rows (data.store.schema.CASELOAD_GRAINS)
DATED = ("as_of_before_data", "as_of_future")  # issues whose value (and latest) are days


def _grain(word, lang: str):
    return t(f"validate.grain.{word}", lang) if word in GRAINS else word


def issue_text(issue: dict, lang: str) -> str:
    """A stored validation issue as a sentence in ``lang`` (stored English as fallback)."""
    params = {"column": issue.get("column"), "value": issue.get("value"),
              **(issue.get("params") or {})}
    if params.get("category"):
        params["category"] = t(f"category.{params['category']}", lang)
    for key in ("held", "grain"):
        params[key] = _grain(params.get(key), lang)
    if isinstance(params.get("grains"), str):
        params["grains"] = ", ".join(_grain(g, lang) for g in params["grains"].split(", "))
    if issue.get("code") in DATED:
        for key in ("value", "latest"):
            params[key] = fmt_date(params.get(key), lang) or params.get(key)
    if isinstance(params.get("missing"), dict):
        params["detail"] = " ".join(
            t("validate.kind_missing", lang, kind=kind, columns=", ".join(cols))
            for kind, cols in params["missing"].items())
    try:
        text = t(f"validate.{issue.get('code')}", lang, **params)
    except (KeyError, IndexError, ValueError):
        return issue.get("message", "")
    if params.get("suggestion"):
        text += " " + t("validate.did_you_mean", lang, suggestion=params["suggestion"])
    return text
