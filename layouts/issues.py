"""A validation issue (data.ingest.validate.Issue, stored with an upload as a dict) as a sentence
in the reader's language: the upload review, the upload history, the targets import and
the coverage page's warnings all word it the same way."""

from __future__ import annotations

from layouts.i18n import t


def issue_text(issue: dict, lang: str) -> str:
    """A stored validation issue as a sentence in ``lang`` (stored English as fallback)."""
    params = {"column": issue.get("column"), "value": issue.get("value"),
              **(issue.get("params") or {})}
    if params.get("category"):
        params["category"] = t(f"category.{params['category']}", lang)
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
