"""What the public pages of a release show, as plain values for the templates (pure).

The public view (issue 14) is server-rendered HTML with no script: a national or
regional scorecard, a tile map of the regions for one KPI with the same table beside
it, what was revised since the previous release, and the downloads. Everything is
formatted here exactly as the signed-in pages format it (``layouts.format``).
"""

from __future__ import annotations

import math
from html import escape

import pandas as pd

from kpi.analysis import scorecard_rows
from kpi.catalogue import CATALOGUE, KPIS, PILLARS
from layouts.figures import STATUS_COLORS, STATUS_SYMBOLS, TILE_GRID
from layouts.format import fmt_value, is_missing
from layouts.i18n import t

NATION = "KZ"


def unit_name(units: pd.DataFrame, code: str, lang: str) -> str:
    """A unit's name in ``lang`` as the release recorded it (another language if missing)."""
    if code == NATION:
        return t("nav.national", lang)
    row = units[units["code"] == code]
    if row.empty:
        return code
    for column in (f"name_{lang}", "name_ru", "name_en", "name_kk"):
        value = row.iloc[0][column]
        if isinstance(value, str) and value.strip():
            return value
    return code


def kpi_name(code: str, lang: str) -> str:
    kpi = KPIS[code]
    return kpi.names.get(lang) or kpi.names["en"]


def _change(value: float, unit: str, lang: str) -> str:
    if is_missing(value):
        return "—"
    text = fmt_value(abs(value), unit, lang)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def scorecard(values: pd.DataFrame, outlook: pd.DataFrame, code: str, parent: str | None,
              year: int, lang: str) -> list[dict]:
    """The unit's KPIs of ``year`` by pillar: [{"pillar", "rows": [...]}], each row's
    value, parent and national values, target, status, change and outlook as text."""
    outlooks = {(r.kpi, r.category): r.outlook for r in outlook[
        outlook["code"] == code].itertuples(index=False)}
    rows = scorecard_rows(values, pd.DataFrame(columns=["kpi", "category", "value"]), code,
                          parent, year, "all", outlooks)
    by_code = {r["kpi"]: r for r in rows.to_dict("records")}
    sections = []
    for pillar in PILLARS:
        out = []
        for kpi in (k for k in CATALOGUE if k.pillar == pillar):
            row = by_code[kpi.code]
            status = row["status"] if isinstance(row["status"], str) else "none"
            out.append({
                "kpi": kpi.code, "name": kpi_name(kpi.code, lang),
                "value": fmt_value(row["value"], kpi.unit, lang),
                "missing": is_missing(row["value"]),
                "parent": fmt_value(row["parent"], kpi.unit, lang),
                "national": fmt_value(row["national"], kpi.unit, lang),
                "target": "" if is_missing(row["target"]) else
                fmt_value(row["target"], kpi.unit, lang),
                "status": status, "icon": STATUS_SYMBOLS[status],
                "status_word": t(f"status.{status}", lang),
                "change": _change(row["change"], kpi.unit, lang),
                "outlook": t(f"outlook.{row['outlook']}", lang),
            })
        sections.append({"pillar": t(f"pillar.{pillar}", lang), "rows": out})
    return sections


def region_rows(values: pd.DataFrame, units: pd.DataFrame, kpi: str, year: int,
                lang: str) -> list[dict]:
    """Every region of the release with its value of ``kpi`` in ``year`` (also those
    without one: 'no data', never 0), by name."""
    unit = KPIS[kpi].unit
    cells = values[(values["level"] == "region") & (values["year"] == year)
                   & (values["kpi"] == kpi) & (values["category"] == "all")]
    by_code = {r.code: r for r in cells.itertuples(index=False)}
    rows = []
    for code in units.loc[units["level"] == "region", "code"]:
        cell = by_code.get(code)
        value = math.nan if cell is None else cell.value
        status = "none" if cell is None or not isinstance(cell.status, str) else cell.status
        rows.append({"code": code, "name": unit_name(units, code, lang),
                     "value": fmt_value(value, unit, lang), "missing": is_missing(value),
                     "target": "" if cell is None or is_missing(cell.target)
                     else fmt_value(cell.target, unit, lang),
                     "status": status, "icon": STATUS_SYMBOLS[status],
                     "status_word": t(f"status.{status}", lang)})
    return sorted(rows, key=lambda r: r["name"])


_TILE = 84  # px per grid unit
_GAP = 6


def tile_map_svg(rows: list[dict], kpi: str, lang: str) -> str:
    """The regions as a tile map (the signed-in scorecard's layout), filled by status,
    as an SVG string with a title; the table beside it says the same in words."""
    cols = max(c for c, _ in TILE_GRID.values()) + 1
    lines = max(r for _, r in TILE_GRID.values()) + 1
    title = escape(t("public.map_title", lang, kpi=kpi_name(kpi, lang)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="public-map" '
             f'viewBox="0 0 {cols * _TILE} {lines * _TILE}" aria-labelledby="map-title">'
             f'<title id="map-title">{title}</title>']
    for row in rows:
        if row["code"] not in TILE_GRID:
            continue
        col, line = TILE_GRID[row["code"]]
        x, y = col * _TILE + _GAP / 2, line * _TILE + _GAP / 2
        fill = "#D9D9D9" if row["missing"] else STATUS_COLORS[row["status"]]
        ink = "#000000" if row["missing"] else "#FFFFFF"
        label = escape(f'{row["name"]}: {row["value"]}, {row["status_word"]}')
        short = escape(row["name"].split()[0][:9])
        value = escape(row["value"].split(" ")[0] if not row["missing"] else "—")
        parts.append(
            f'<g><title>{label}</title><rect x="{x}" y="{y}" width="{_TILE - _GAP}" '
            f'height="{_TILE - _GAP}" rx="6" fill="{fill}"/>'
            f'<text x="{x + (_TILE - _GAP) / 2}" y="{y + 30}" text-anchor="middle" '
            f'font-size="12" fill="{ink}">{short}</text>'
            f'<text x="{x + (_TILE - _GAP) / 2}" y="{y + 56}" text-anchor="middle" '
            f'font-size="19" font-weight="bold" fill="{ink}">{value}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def revision_rows(revised: pd.DataFrame, units: pd.DataFrame, lang: str,
                  limit: int = 200) -> list[dict]:
    """What a release changed in earlier figures, worded; at most ``limit`` rows."""
    out = []
    for r in revised.head(limit).itertuples(index=False):
        unit = KPIS[r.kpi].unit
        out.append({"unit": unit_name(units, r.code, lang), "kpi": kpi_name(r.kpi, lang),
                    "year": r.year,
                    "category": t(f"category.{r.category}", lang),
                    "before": fmt_value(r.before, unit, lang),
                    "after": fmt_value(r.after, unit, lang)})
    return out
