"""Import profiles on /upload: which saved profile reads the file, and the panel where
a person maps the file's own column names and words to the contract's (issue 19).

Components only; callbacks/upload_profiles.py wires them. Every select is a native,
labelled <select>, so the mapping is done by keyboard as well as by mouse.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from data.ingest import names
from data.store.schema import KINDS
from layouts.components import attrs
from layouts.i18n import t

# "upload-": web/uploads.py lets only uploaders call what writes these ids.
P = "upload-profile-"
SELECT = P + "select"  # which profile reads the file: AUTO, NONE or a saved name
DELETE = P + "delete"
EXPORT = P + "export"
EXPORT_DOWNLOAD = P + "export-download"
MANAGE_MSG = P + "manage-msg"
SAVED = P + "saved"  # dcc.Store {"name", "n"}: a profile was saved or deleted
BOX = P + "mapping-box"
FIELDS = P + "mapping-fields"
COLUMN = P + "map-column"  # pattern {"type": COLUMN, "index": i}
VALUE = P + "map-value"  # pattern {"type": VALUE, "index": i}
APPLY = P + "apply"
MAPPING = P + "mapping"  # dcc.Store {"token", "columns", "values"}: the applied choices
NAME = P + "name"
SAVE = P + "save"
SAVE_MSG = P + "save-msg"

AUTO = "auto"  # pick the saved profile that maps most of the file's own names
NONE = "none"
LEAVE = "-"  # a mapping select left as it is (a select shows "" as no choice at all)


def select_options(saved: list[str], lang: str) -> list[dict]:
    return [{"label": t("profile.auto", lang), "value": AUTO},
            {"label": t("profile.none", lang), "value": NONE}] + [
        {"label": name, "value": name} for name in saved]


def chooser(lang: str) -> html.Div:
    """The profile select under the kind select, with delete and download."""
    return html.Div([
        dbc.Label(t("profile.label", lang), html_for=SELECT, className="small mb-1"),
        dbc.InputGroup([
            dbc.Select(id=SELECT, options=select_options([], lang), value=AUTO, size="sm"),
            dbc.Button(t("profile.export", lang), id=EXPORT, size="sm", color="secondary",
                       outline=True),
            dbc.Button(t("profile.delete", lang), id=DELETE, size="sm", color="danger",
                       outline=True),
        ], size="sm"),
        html.Div(id=MANAGE_MSG, className="small mt-1", **attrs(aria_live="polite")),
        dcc.Download(id=EXPORT_DOWNLOAD),
        dcc.Store(id=SAVED),
    ])


def panel(lang: str) -> html.Div:
    """The mapping panel, hidden until a review finds names nobody knows."""
    return html.Div([
        html.H3(t("profile.map.title", lang), className="h6 mt-3"),
        html.P(t("profile.map.help", lang), className="small text-muted"),
        html.Div(id=FIELDS),
        dbc.Button(t("profile.map.apply", lang), id=APPLY, size="sm", color="primary",
                   outline=True, className="mb-3"),
        dbc.Row([
            dbc.Col([
                dbc.Label(t("profile.name", lang), html_for=NAME, className="small mb-1"),
                dbc.Input(id=NAME, size="sm", maxLength=80, type="text"),
            ], md=6),
            dbc.Col(dbc.Button(t("profile.save", lang), id=SAVE, size="sm", color="secondary"),
                    width="auto", className="align-self-end"),
        ], className="g-2"),
        html.Div(id=SAVE_MSG, className="small mt-2", **attrs(aria_live="polite")),
        dcc.Store(id=MAPPING),
    ], id=BOX, className="d-none border-top mt-3")


def field_label(field: str, lang: str) -> str:
    local = names.header_name(field, lang)
    return field if local == field else f"{local} ({field})"


def code_label(column: str, code: str, lang: str) -> str:
    local = names.written_word(column, code, lang)
    return code if local == code else f"{local} ({code})"


def field_choices(kind: str | None) -> list[str]:
    """The fields a column may be mapped to: the kind's when it is known, else all."""
    if kind in KINDS:
        return list(KINDS[kind].column_names)
    return sorted({c.name for k in KINDS.values() for c in k.columns})


def _row(label: str, select_id: dict, options: list[dict], value: str) -> html.Label:
    # The select sits inside its <label>: a pattern id cannot be named by html_for.
    return html.Label([html.Span(label, className="small d-block text-break mb-1"),
                       dbc.Select(id=select_id, options=options, value=value, size="sm")],
                      className="d-block mb-2")


def mapping_rows(columns: list[str], values: list[tuple[str, str]], kind: str | None,
                 chosen: dict, lang: str) -> list:
    """A select per unknown column (fields) and per unknown word (codes), in ``lang``.

    ``chosen`` is the mapping already applied ({"columns": {...}, "values": {...}}), so
    the selects show it after the review runs again.
    """
    if not columns and not values:
        return [html.P(t("profile.map.all_known", lang), className="small text-success")]
    leave = {"label": t("profile.map.leave", lang), "value": LEAVE}
    out: list = []
    if columns:
        out.append(html.P(t("profile.map.columns", lang), className="small fw-semibold mb-1"))
        fields = [leave] + [{"label": field_label(f, lang), "value": f}
                            for f in field_choices(kind)]
        for i, header in enumerate(columns):
            out.append(_row(t("profile.map.column", lang, name=header),
                            {"type": COLUMN, "index": i}, fields,
                            (chosen.get("columns") or {}).get(header, LEAVE)))
    if values:
        out.append(html.P(t("profile.map.values", lang), className="small fw-semibold mb-1"))
        for i, (column, word) in enumerate(values):
            codes = [leave] + [{"label": code_label(column, c, lang), "value": c}
                               for c in _choices(column)]
            out.append(_row(t("profile.map.value", lang, word=word,
                              column=field_label(column, lang)),
                            {"type": VALUE, "index": i}, codes,
                            ((chosen.get("values") or {}).get(column) or {}).get(word, LEAVE)))
    return out


def _choices(column: str) -> tuple[str, ...]:
    for kind in KINDS.values():
        for c in kind.columns:
            if c.name == column and c.choices:
                return tuple(c.choices)
    return ()


def problems_view(found: list[tuple[str, dict]], lang: str) -> dbc.Alert:
    """Why the mapping or profile cannot be used, each reason in ``lang``."""
    return dbc.Alert([html.P(t("profile.refused", lang), className="mb-1"),
                      html.Ul([html.Li(t(f"profile.problem.{code}", lang, **params))
                               for code, params in found], className="mb-0")],
                     color="danger", id=P + "problems")


def _said(text: str, css: str) -> html.Span:
    return html.Span(text, className=css)


def applied(lang: str) -> html.Span:
    """The mapping is applied: the review runs again with it."""
    return _said(t("profile.map.applied", lang), "text-success")


def save_empty(lang: str) -> html.Span:
    return _said(t("profile.save.empty", lang), "text-danger")


def saved(name: str, lang: str) -> html.Span:
    return _said(t("profile.save.done", lang, name=name), "text-success")


def pick_first(lang: str) -> html.Span:
    """Delete or download pressed with no saved profile chosen."""
    return _said(t("profile.pick_first", lang), "text-danger")


def missing(name: str, lang: str) -> html.Span:
    return _said(t("profile.missing", lang, name=name), "text-danger")


def deleted(name: str, lang: str) -> str:
    return t("profile.deleted", lang, name=name)
