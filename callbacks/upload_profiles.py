"""Import profiles on /upload: choose one, map a file's unknown names, save, delete, export.

The review itself (callbacks/upload.py) reads the file with the chosen profile and the
applied mapping; these callbacks only collect the person's choices and store profiles.
Every one checks the upload permission on the server (analysts and admins); saving
and deleting are audited (data.ingest.profiles).
"""

from __future__ import annotations

import re
from typing import TypeGuard

from dash import ALL, Input, Output, State, ctx, dcc, no_update

from callbacks.context import Services
from data.accounts.access import UPLOAD
from data.ingest import profiles
from layouts import ids, profile_view, upload_view
from layouts.i18n import state_lang
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
                      if v and v != profile_view.LEAVE and i < len(headers)
                      and isinstance(headers[i], str)}
    picked_values: dict[str, dict[str, str]] = {}
    for i, v in _by_index(values).items():
        if v and v != profile_view.LEAVE and i < len(words) and isinstance(words[i], list) \
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


def _is_saved_name(choice: object) -> TypeGuard[str]:
    """Whether the profile select names a saved profile (not Automatic, not None)."""
    return choice not in (profile_view.AUTO, profile_view.NONE, None) \
        and isinstance(choice, str)


# --- what the callbacks do --------------------------------------------------------------


def profile_options(services: Services, state: dict | None, saved: dict | None) -> tuple:
    """The saved profiles to choose from; the one just saved chosen, else Automatic."""
    require(UPLOAD)
    with services.connect() as conn:
        names = [name for name, _by, _at in profiles.listing(conn)]
    chosen_name = (saved or {}).get("name") if ctx.triggered_id == profile_view.SAVED \
        else None
    value = chosen_name if chosen_name in names else profile_view.AUTO
    return profile_view.select_options(names, state_lang(state)), value


def apply_mapping(n_clicks: int | None, review_state: object, current: object,
                  state: dict | None) -> tuple:
    """The person's choices in the mapping selects, added to those applied to the same
    file before; the review runs again with them. Refused choices say why."""
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
        return no_update, profile_view.problems_view(found, lang)
    return ({"token": review_state["token"], "columns": columns, "values": values},
            profile_view.applied(lang))


def save_profile(services: Services, n_clicks: int | None, name: object, review_state: object,
                 state: dict | None) -> tuple:
    """The profile the review used with the person's choices on top, saved by name."""
    viewer = require(UPLOAD)
    lang = state_lang(state)
    if not n_clicks or not isinstance(review_state, dict) or not review_state:
        return no_update, no_update
    columns, values = chosen(review_state, ctx.states_list[1], ctx.states_list[2])
    try:  # the profile the review used, as the browser sends it back: checked again
        base = _reviewed(review_state.get("profile"))
    except profiles.ProfileError as exc:
        return no_update, profile_view.problems_view(exc.problems or [("not_text", {})], lang)
    profile = profiles.mapped(base, columns, values,
                              name=name.strip() if isinstance(name, str) else "")
    if not profile.columns and not profile.values:
        return no_update, profile_view.save_empty(lang)
    found = profiles.problems(profile)
    if found:
        return no_update, profile_view.problems_view(found, lang)
    profiles.save_now(services.engine, profile, viewer.username, client_address())
    return {"name": profile.name, "n": n_clicks}, profile_view.saved(profile.name, lang)


def delete_profile(services: Services, n_clicks: int | None, choice: object,
                   state: dict | None) -> tuple:
    """The chosen saved profile deleted."""
    viewer = require(UPLOAD)
    lang = state_lang(state)
    if not n_clicks:
        return no_update, no_update
    if not _is_saved_name(choice):
        return no_update, profile_view.pick_first(lang)
    if not profiles.delete_now(services.engine, choice, viewer.username, client_address()):
        return no_update, profile_view.missing(choice, lang)
    return {"name": None, "n": n_clicks}, profile_view.deleted(choice, lang)


def export_profile(services: Services, n_clicks: int | None, choice: object,
                   state: dict | None) -> tuple:
    """The chosen saved profile as a JSON download, unless today's rules refuse it."""
    require(UPLOAD)
    lang = state_lang(state)
    if not n_clicks:
        return no_update, no_update
    if not _is_saved_name(choice):
        return no_update, profile_view.pick_first(lang)
    with services.connect() as conn:
        profile = profiles.get(conn, choice)
        refused = None if profile is not None else profiles.refusal(conn, choice)
    if refused is not None:  # stored before today's rules, which refuse it
        return no_update, profile_view.problems_view(refused.problems or [("not_text", {})],
                                                     lang)
    if profile is None:
        return no_update, profile_view.missing(choice, lang)
    stem = re.sub(r"[^\w\-]+", "-", profile.name).strip("-") or "profile"
    return dcc.send_string(profiles.to_json(profile) + "\n", f"{stem}.json"), ""


# --- the callbacks: which ids, and one line each ------------------------------------------


def register(app, services: Services) -> None:
    mapping_selects = (State({"type": profile_view.COLUMN, "index": ALL}, "value"),
                       State({"type": profile_view.VALUE, "index": ALL}, "value"))

    @app.callback(Output(profile_view.SELECT, "options"), Output(profile_view.SELECT, "value"),
                  Input(PAGE, "data"), Input(profile_view.SAVED, "data"))
    def options(state, saved):
        return profile_options(services, state, saved)

    @app.callback(Output(profile_view.MAPPING, "data"), Output(profile_view.SAVE_MSG, "children"),
                  Input(profile_view.APPLY, "n_clicks"), *mapping_selects,
                  State(upload_view.REVIEW_STATE, "data"), State(profile_view.MAPPING, "data"),
                  State(PAGE, "data"), prevent_initial_call=True)
    def apply(n_clicks, _columns, _values, review_state, current, state):
        return apply_mapping(n_clicks, review_state, current, state)

    @app.callback(Output(profile_view.SAVED, "data"),
                  Output(profile_view.SAVE_MSG, "children", allow_duplicate=True),
                  Input(profile_view.SAVE, "n_clicks"), State(profile_view.NAME, "value"),
                  *mapping_selects, State(upload_view.REVIEW_STATE, "data"),
                  State(PAGE, "data"), prevent_initial_call=True)
    def save(n_clicks, name, _columns, _values, review_state, state):
        return save_profile(services, n_clicks, name, review_state, state)

    @app.callback(Output(profile_view.SAVED, "data", allow_duplicate=True),
                  Output(profile_view.MANAGE_MSG, "children"),
                  Input(profile_view.DELETE, "n_clicks"), State(profile_view.SELECT, "value"),
                  State(PAGE, "data"), prevent_initial_call=True)
    def delete(n_clicks, choice, state):
        return delete_profile(services, n_clicks, choice, state)

    @app.callback(Output(profile_view.EXPORT_DOWNLOAD, "data"),
                  Output(profile_view.MANAGE_MSG, "children", allow_duplicate=True),
                  Input(profile_view.EXPORT, "n_clicks"), State(profile_view.SELECT, "value"),
                  State(PAGE, "data"), prevent_initial_call=True)
    def export(n_clicks, choice, state):
        return export_profile(services, n_clicks, choice, state)
