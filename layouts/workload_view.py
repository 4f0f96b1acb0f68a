"""The /workload page's parts (where-to-act.md section 2), built from what the callbacks
hand over: the national sentence, the region and nation totals, the reallocation
proposal (its moves in words, its chart and table with each court's need ratio before
and after) and the inputs in plain words. No I/O."""

from __future__ import annotations

import math

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html
from dash.development.base_component import Component

from kpi.workload import YEARS_AVERAGED, after_move, moves
from layouts import figures, ids
from layouts.components import table_data
from layouts.format import fmt_number, is_missing
from layouts.i18n import t
from layouts.plotspec import Figure, trace

TOTAL_COLUMNS = ("workload_minutes", "judges_needed", "judges_in_post", "judge_posts",
                 "need_ratio", "shortfall", "coverage")
MAX_MOVES = 12
# The reallocation's scope when the page opens: within each region (the first step a
# court administration can take without moving judges across regions).
DEFAULT_WITHIN = "region"


def _num(value, decimals: int, lang: str) -> str:
    return "—" if is_missing(value) else fmt_number(float(value), decimals, lang)


def summary(table: pd.DataFrame, year: int, lang: str) -> str:
    """The nation in one sentence: judges needed, in post, the need ratio and what it
    means."""
    nation = table[table["level"] == "national"]
    if nation.empty:
        return t("workload.none", lang, year=year)
    r = nation.iloc[0]
    if is_missing(r["need_ratio"]):
        return t("workload.summary_no_judges", lang, year=year,
                 needed=_num(r["judges_needed"], 1, lang))
    key = "workload.summary_short" if r["shortfall"] > 0 else "workload.summary_over"
    return t(key, lang, year=year, needed=_num(r["judges_needed"], 1, lang),
             in_post=_num(r["judges_in_post"], 0, lang), ratio=_num(r["need_ratio"], 1, lang),
             gap=_num(abs(r["shortfall"]), 1, lang))


def _labels(lang: str) -> dict[str, str]:
    return {c: t(f"workload.col.{c}", lang) for c in TOTAL_COLUMNS}


def totals_payload(table: pd.DataFrame, names: dict[str, str], year: int, lang: str
                   ) -> dict:
    """The nation and the regions as a chart payload (table view, CSV, Excel)."""
    rows = table[table["level"].isin(("national", "region"))].copy()
    rows["name"] = rows["code"].map(lambda c: names.get(c, c))
    return table_data(rows, {"name": t("col.region", lang), **_labels(lang)},
                      f"workload-regions-{year}")


def courts_payload(table: pd.DataFrame, names: dict[str, str], year: int, lang: str
                   ) -> dict:
    """The courts' rows as a chart payload (the ranking's table view and downloads)."""
    rows = table[table["level"] == "court"].sort_values(["need_ratio", "code"]).copy()
    rows["name"] = rows["code"].map(lambda c: names.get(c, c))
    return table_data(rows, {"name": t("col.court", lang), **_labels(lang)},
                      f"workload-courts-{year}")


def totals_table(table: pd.DataFrame, names: dict[str, str], lang: str) -> Component:
    """The nation first, then the regions by need ratio, lowest first."""
    rows = table[table["level"].isin(("national", "region"))].copy()
    if rows.empty:
        return html.P(t("empty.no_data", lang), className="text-muted small")
    rows["_n"] = rows["level"] != "national"
    rows = rows.sort_values(["_n", "need_ratio", "code"], na_position="last")
    decimals = {"workload_minutes": 0, "judges_needed": 1, "judges_in_post": 0,
                "judge_posts": 0, "need_ratio": 1, "shortfall": 1, "coverage": 0}
    head = html.Thead(html.Tr([html.Th(t("col.region", lang), scope="col")]
                              + [html.Th(label, scope="col")
                                 for label in _labels(lang).values()]))
    body = html.Tbody([
        html.Tr([html.Th(names.get(r["code"], r["code"]), scope="row")]
                + [html.Td(_num(r[c], decimals[c], lang)) for c in TOTAL_COLUMNS],
                className="table-active" if r["level"] == "national" else None)
        for _, r in rows.iterrows()])
    return html.Table([head, body], className="table table-sm table-striped small")


def ranking_frame(cells: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The courts' judge_need_ratio cells as ranking_figure takes them."""
    frame = cells[["code", "value", "status", "coverage"]]
    return frame.assign(name=frame["code"].map(lambda c: names.get(c, c)))


def proposal_view(courts: pd.DataFrame, proposal: pd.DataFrame, names: dict[str, str],
                  year: int, within: str, lang: str
                  ) -> tuple[Figure, dict, Component]:
    """The reallocation: its chart (change of posts by court), its table payload (posts
    now and proposed, need ratio now and after) and its moves in words."""
    title = t(f"workload.proposal.title_{within}", lang, year=year)
    if proposal.empty:
        empty = figures.empty_figure(t("workload.proposal.none", lang), title)
        return empty, table_data(pd.DataFrame(columns=["court_code"]),
                                 {"court_code": t("col.court", lang)},
                                 f"workload-proposal-{year}"), html.P(
            t("workload.proposal.none", lang), className="text-muted")
    p = proposal.merge(after_move(courts, proposal), on="court_code", how="left")
    p["name"] = p["court_code"].map(lambda c: names.get(c, c))
    p["region"] = p["region_code"].map(lambda c: names.get(c, c))
    changed = p[p["change"] != 0].sort_values(["change", "court_code"])
    fig = Figure([trace(
        "bar", x=changed["change"].tolist(), y=changed["name"].tolist(), orientation="h",
        marker_color=["#b2182b" if c < 0 else "#2166ac" for c in changed["change"]],
        hovertemplate="%{y}: %{x:+d}<extra></extra>")])
    # The app's own template (it had Plotly's default one, unlike every other chart).
    fig.update_layout(template=figures.TEMPLATE_JSON, title={"text": title},
                      height=max(250, 28 * len(changed) + 120),
                      margin={"l": 10, "r": 10, "t": 50, "b": 40},
                      xaxis_title={"text": t("workload.proposal.axis", lang)},
                      yaxis={"automargin": True, "autorange": "reversed"},
                      separators=",\u202f" if lang in ("ru", "kk") else ".,")
    payload = table_data(p, {
        "name": t("col.court", lang), "region": t("col.region", lang),
        "judge_posts": t("workload.col.judge_posts", lang),
        "judges_needed": t("workload.col.judges_needed", lang),
        "proposed_posts": t("workload.col.proposed_posts", lang),
        "change": t("workload.col.change", lang),
        "need_ratio": t("workload.col.need_ratio", lang),
        "need_ratio_after": t("workload.col.need_ratio_after", lang)},
        f"workload-proposal-{within}-{year}")
    scoped = p.assign(scope=p["region_code"] if within == "region" else "KZ")
    found = moves(scoped)
    ratio = p.set_index("court_code")[["need_ratio", "need_ratio_after"]]
    items = []
    for giver, taker, n in found[:MAX_MOVES]:
        items.append(html.Li(t("workload.move", lang, n=n, giver=names.get(giver, giver),
                               taker=names.get(taker, taker),
                               before=_num(ratio.loc[taker, "need_ratio"], 0, lang),
                               after=_num(ratio.loc[taker, "need_ratio_after"], 0, lang))))
    more = len(found) - MAX_MOVES
    words = [html.P(t("workload.proposal.intro", lang, moved=int(p.loc[p["change"] > 0,
                                                                       "change"].sum()),
                      posts=int(p["judge_posts"].sum())), className="mb-1"),
             html.Ul(items, className="mb-1")]
    if more > 0:
        words.append(html.P(t("workload.proposal.more", lang, n=more),
                            className="small text-muted"))
    return fig, payload, html.Div(words)


def inputs_part(weights: pd.DataFrame, days: float, hours: float, illustrative: bool,
                lang: str) -> Component:
    """What the figures rest on, in plain words: the judge year, the years averaged and
    the weights (those shipped marked illustrative)."""
    minutes = days * hours * 60
    lines: list[Component] = [
        html.P(t("workload.inputs.judge_year", lang, days=_num(days, 0, lang),
                 hours=_num(hours, 1, lang), minutes=_num(minutes, 0, lang))
               + (" " + t("workload.illustrative", lang) if illustrative else "")),
        html.P(t("workload.inputs.years", lang, n=YEARS_AVERAGED)),
        html.P(t("workload.inputs.weights", lang)),
    ]
    if weights.empty:
        lines.append(html.P(t("workload.inputs.no_weights", lang), className="text-danger"))
        return html.Div(lines)
    levels = [lvl for lvl in ("district", "regional", "supreme")
              if lvl in set(weights["court_level"])]
    table = weights.pivot_table(index="category", columns="court_level", values="minutes",
                                aggfunc="first")
    marked = set(zip(weights.loc[weights["illustrative"].fillna(False).astype(bool),
                                 "category"],
                     weights.loc[weights["illustrative"].fillna(False).astype(bool),
                                 "court_level"]))
    head = html.Thead(html.Tr([html.Th(t("workload.col.category", lang), scope="col")]
                              + [html.Th(t(f"level.{lvl}", lang), scope="col")
                                 for lvl in levels]))
    body = []
    for category in table.index:
        cells = []
        for lvl in levels:
            v = table.loc[category, lvl] if lvl in table.columns else math.nan
            text = _num(v, 0, lang) + (" *" if (category, lvl) in marked else "")
            cells.append(html.Td(text))
        body.append(html.Tr([html.Th(t(f"category.{category}", lang), scope="row"), *cells]))
    lines.append(html.Table([head, html.Tbody(body)],
                            className="table table-sm small w-auto"))
    if marked:
        lines.append(html.P(t("workload.inputs.marked", lang), className="small text-muted"))
    return html.Div(lines)


def judge_year_form(lang: str) -> Component:
    """The judge year's two fields (filled by the page's callback), save and undo."""
    return dbc.Row([
        dbc.Col([dbc.Label(t("workload.form.days", lang), html_for=ids.WORKLOAD_DAYS),
                 dbc.Input(id=ids.WORKLOAD_DAYS, type="number", min=1, max=366,
                           step="any")], md=3),
        dbc.Col([dbc.Label(t("workload.form.hours", lang), html_for=ids.WORKLOAD_HOURS),
                 dbc.Input(id=ids.WORKLOAD_HOURS, type="number", min=0.5, max=24,
                           step="any")], md=3),
        dbc.Col([dbc.Button(t("workload.form.save", lang), id=ids.WORKLOAD_SAVE,
                            color="primary", className="me-2"),
                 dbc.Button(t("workload.form.undo", lang), id=ids.WORKLOAD_UNDO,
                            color="secondary", outline=True)],
                md=4, className="d-flex align-items-end"),
        dbc.Col(html.Div(id=ids.WORKLOAD_MESSAGE, role="status", className="small mt-2"),
                md=12),
    ], className="g-2 mb-2")


def court_card(table: pd.DataFrame, code: str, region: str, year: int, names: dict[str, str],
               lang: str, link: bool) -> Component:
    """The court profile's workload card: the court's judges needed against those in
    post, next to its region's and the nation's need ratio, in sentences."""
    rows = table.set_index(["level", "code"])
    if ("court", code) not in rows.index:
        return html.P(t("workload.card.none", lang, year=year), className="text-muted small")
    r = rows.loc[("court", code)]
    parts: list[Component] = []
    if is_missing(r["need_ratio"]):
        parts.append(html.P(t("workload.card.no_judges", lang, year=year,
                              needed=_num(r["judges_needed"], 1, lang))))
    else:
        key = "workload.card.short" if r["shortfall"] > 0 else "workload.card.over"
        parts.append(html.P(t(key, lang, year=year, needed=_num(r["judges_needed"], 1, lang),
                              in_post=_num(r["judges_in_post"], 0, lang),
                              ratio=_num(r["need_ratio"], 0, lang),
                              gap=_num(abs(r["shortfall"]), 1, lang))))
    around = [(names.get(c, c), rows.loc[(lvl, c), "need_ratio"])
              for lvl, c in (("region", region), ("national", "KZ")) if (lvl, c) in rows.index]
    if around:
        parts.append(html.P(t("workload.card.around", lang, others="; ".join(
            f"{n}: {_num(v, 0, lang)} %" for n, v in around)), className="small"))
    if not is_missing(r["coverage"]) and r["coverage"] < 99.95:
        parts.append(html.P(t("workload.card.coverage", lang,
                              coverage=_num(r["coverage"], 0, lang)),
                            className="small text-muted"))
    parts.append(html.P(t("workload.card.not_a_judge", lang), className="small text-muted"))
    if link:
        parts.append(html.A(t("workload.card.link", lang), href="/workload", className="small"))
    return html.Div(parts)


def fmt_judges(value: float, lang: str) -> str:
    return _num(value, 1, lang)
