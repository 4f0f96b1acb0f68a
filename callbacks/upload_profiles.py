"""Import profiles on /upload: choose one, map a file's unknown names, save, delete, export.

The review itself (callbacks/upload.py) reads the file with the chosen profile and the
applied mapping; these callbacks only collect the person's choices and store profiles.
Every one checks the upload permission on the server (analysts and admins); saving
and deleting are audited (data.ingest.profiles).
"""

from __future__ import annotations

import re

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from callbacks.context import Services
from data.accounts.access import UPLOAD
from data.ingest import profiles
from layouts import ids
from layouts import profile_view as PV
from layouts import upload_view as V
from layouts.i18n import state_lang, t
from web.auth import client_address
from web.guard import require

PAGE = ids.page_state("upload")




def chosen(review_state: dict | None, columns: list, values: list) -> tuple[dict, dict]:
    """The person's choices in the mapping selects, keyed by the names the review found
    (pure). Selects left as they are, and indexes the review did not list, are dropped."""
    gap = (review_state or {}).get("unmapped") or {}
    gap = gap if isinstance(gap, dict) else {}
    headers, words = gap.get("columns") or [], gap.get("values") or []
    headers = headers if isinstance(headers, list) else []
    words = words if isinstance(words, list) else []
    picked_columns = {headers[i]: v for i, v in _by_index(columns).items()
                      if v and v != PV.LEAVE and i < len(headers)
                      and isinstance(headers[i], str)}
    picked_values: dict[str, dict[str, str]] = {}
    for i, v in _by_index(values).items():
        if v and v != PV.LEAVE and i < len(words) and isinstance(words[i], list) \
                and len(words[i]) == 2 and all(isinstance(x, str) for x in words[i]):
            column, word = words[i]
            picked_values.setdefault(column, {})[word] = v
    return picked_columns, picked_values


def _by_index(states: list) -> dict[int, str]:
    out = {}
    for s in states or []:
        index = (s.get("id") or {}).get("index")
        if isinstance(index, int) and isinstance(s.get("value"), str):
            out[index] = s["value"]
    return out


def register(app, services: Services) -> None:
    engine = services.engine

    @app.callback(Output(PV.SELECT, "options"), Output(PV.SELECT, "value"), Input(PAGE, "data"),
                  Input(PV.SAVED, "data"))
    def options(state, saved):
        require(UPLOAD)
        with services.connect() as conn:
            names = [name for name, _by, _at in profiles.listing(conn)]
        chosen_name = (saved or {}).get("name") if ctx.triggered_id == PV.SAVED else None
        value = chosen_name if chosen_name in names else PV.AUTO
        return PV.select_options(names, state_lang(state)), value

    @app.callback(Output(PV.MAPPING, "data"), Output(PV.SAVE_MSG, "children"),
                  Input(PV.APPLY, "n_clicks"),
                  State({"type": PV.COLUMN, "index": ALL}, "value"),
                  State({"type": PV.VALUE, "index": ALL}, "value"),
                  State(V.REVIEW_STATE, "data"), State(PV.MAPPING, "data"), State(PAGE, "data"),
                  prevent_initial_call=True)
    def apply(n_clicks, _columns, _values, review_state, current, state):
        require(UPLOAD)
        lang = state_lang(state)
        if not n_clicks or not isinstance(review_state, dict) or not review_state.get("token"):
            return no_update, no_update
        columns, values = chosen(review_state, ctx.states_list[0], ctx.states_list[1])
        mine = current if isinstance(current, dict) and \
            current.get("token") == review_state["token"] else {}
        before = mine.get("columns")
        columns = {**(before if isinstance(before, dict) else {}), **columns}
        values = _merge_values(mine.get("values"), values)
        found = profiles.problems(profiles.Profile("", columns, values), named=False)
        if found:
            return no_update, PV.problems_view(found, lang)
        return ({"token": review_state["token"], "columns": columns, "values": values},
                html.Span(t("profile.map.applied", lang), className="text-success"))

    @app.callback(Output(PV.SAVED, "data"),
                  Output(PV.SAVE_MSG, "children", allow_duplicate=True),
                  Input(PV.SAVE, "n_clicks"), State(PV.NAME, "value"),
                  State({"type": PV.COLUMN, "index": ALL}, "value"),
                  State({"type": PV.VALUE, "index": ALL}, "value"),
                  State(V.REVIEW_STATE, "data"), State(PAGE, "data"), prevent_initial_call=True)
    def save(n_clicks, name, _columns, _values, review_state, state):
        viewer = require(UPLOAD)
        lang = state_lang(state)
        if not n_clicks or not isinstance(review_state, dict) or not review_state:
            return no_update, no_update
        columns, values = chosen(review_state, ctx.states_list[1], ctx.states_list[2])
        try:  # the profile the review used, as the browser sends it back: checked again
            base = _reviewed(review_state.get("profile"))
        except profiles.ProfileError as exc:
            return no_update, PV.problems_view(exc.problems or [("not_text", {})], lang)
        profile = profiles.mapped(base, columns, values,
                                  name=name.strip() if isinstance(name, str) else "")
        if not profile.columns and not profile.values:
            return no_update, html.Span(t("profile.save.empty", lang), className="text-danger")
        found = profiles.problems(profile)
        if found:
            return no_update, PV.problems_view(found, lang)
        profiles.save_now(engine, profile, viewer.username, client_address())
        return ({"name": profile.name, "n": n_clicks},
                html.Span(t("profile.save.done", lang, name=profile.name),
                          className="text-success"))

    @app.callback(Output(PV.SAVED, "data", allow_duplicate=True),
                  Output(PV.MANAGE_MSG, "children"), Input(PV.DELETE, "n_clicks"),
                  State(PV.SELECT, "value"), State(PAGE, "data"), prevent_initial_call=True)
    def delete(n_clicks, choice, state):
        viewer = require(UPLOAD)
        lang = state_lang(state)
        if not n_clicks:
            return no_update, no_update
        if choice in (PV.AUTO, PV.NONE, None) or not isinstance(choice, str):
            return no_update, html.Span(t("profile.pick_first", lang), className="text-danger")
        if not profiles.delete_now(engine, choice, viewer.username, client_address()):
            return no_update, html.Span(t("profile.missing", lang, name=choice),
                                        className="text-danger")
        return {"name": None, "n": n_clicks}, t("profile.deleted", lang, name=choice)

    @app.callback(Output(PV.EXPORT_DOWNLOAD, "data"),
                  Output(PV.MANAGE_MSG, "children", allow_duplicate=True),
                  Input(PV.EXPORT, "n_clicks"), State(PV.SELECT, "value"), State(PAGE, "data"),
                  prevent_initial_call=True)
    def export(n_clicks, choice, state):
        require(UPLOAD)
        lang = state_lang(state)
        if not n_clicks:
            return no_update, no_update
        if choice in (PV.AUTO, PV.NONE, None) or not isinstance(choice, str):
            return no_update, html.Span(t("profile.pick_first", lang), className="text-danger")
        with services.connect() as conn:
            profile = profiles.get(conn, choice)
            refused = None if profile is not None else profiles.refusal(conn, choice)
        if refused is not None:  # stored before today's rules, which refuse it
            return no_update, PV.problems_view(refused.problems or [("not_text", {})], lang)
        if profile is None:
            return no_update, html.Span(t("profile.missing", lang, name=choice),
                                        className="text-danger")
        stem = re.sub(r"[^\w\-]+", "-", profile.name).strip("-") or "profile"
        return dcc.send_string(profiles.to_json(profile) + "\n", f"{stem}.json"), ""


def _reviewed(body: object) -> profiles.Profile:
    """The profile a review state names (an empty one when none); ProfileError when it
    is not one."""
    if not body:
        return profiles.Profile("")
    if not isinstance(body, dict):
        raise profiles.ProfileError("not a profile")
    return profiles.from_data({**body, "name": ""}, named=False)


def _merge_values(old: object, new: dict) -> dict:
    old = old if isinstance(old, dict) else {}
    out = {c: dict(w) for c, w in old.items() if isinstance(w, dict)}
    for column, words in new.items():
        out.setdefault(column, {}).update(words)
    return out
