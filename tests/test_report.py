"""The PDF report's content (layouts/report/content.py), pure: frames made here, no
database. Findings are deterministic and from the numbers, values are written exactly
as the pages write them in each language, and a missing value says so instead of 0."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from fontTools.ttLib import TTFont

from data.accounts.access import SYSTEM, Viewer
from data.publish.report_data import ReportData
from data.store.repository import VALUE_COLUMNS
from kpi.analysis import scorecard_rows
from kpi.catalogue import CATALOGUE, KPIS
from kpi.outlook import outlook_table
from kpi.targets import attach_targets, default_targets
from layouts.components import STATUS_ICONS
from layouts.format import fmt_value
from layouts.i18n import LANGUAGES, t
from layouts.outlook_view import OUTLOOK_ICONS
from layouts.report.content import (
    build_content,
    change_text,
    findings,
    ranking_panels,
    report_rows,
    value_cells,
)
from layouts.report.pdf import FONT_FILES

YEARS = [2021, 2022, 2023, 2024, 2025]
KAZAKH = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"
# A value per KPI in 2025 (a round number where the rounding shows) and its change on
# 2024; satisfaction_rate has no value in 2025: partial data.
LAST = {
    "clearance_rate": 98.96, "disposition_time": 42.4, "case_turnover": 8.6449,
    "on_time_rate": 92.81, "backlog_rate": 16.97, "median_disposition_days": 27.0,
    "pending_change": 9.69, "stability_rate": 99.12, "appeal_reversal_rate": 6.52,
    "appeal_rate": 13.44, "e_filing_rate": 90.63, "video_hearing_rate": 35.65,
    "publication_rate": 94.55, "satisfaction_rate": math.nan, "trust_rate": 69.95,
    "judge_vacancy_rate": 4.2, "caseload_per_judge": 1234.4, "cost_per_case": 630932.87,
    "judge_need_ratio": 96.0,
}
STEP = {k: 0.5 for k in LAST} | {"video_hearing_rate": 4.5, "backlog_rate": 2.4,
                                  "stability_rate": 0.1,
                                  "cost_per_case": 20000.0}


def _cells(code: str, level: str, last: dict[str, float], coverage: float = 100.0,
           years=YEARS) -> pd.DataFrame:
    rows = []
    for kpi, value in last.items():
        for i, year in enumerate(reversed(years)):
            v = value - i * STEP[kpi] if not math.isnan(value) or i else value
            rows.append((level, code, year, "all", kpi, v, coverage, math.nan, math.nan))
    frame = pd.DataFrame(rows, columns=["level", "code", "year", "category", "kpi", "value",
                                        "coverage", "numerator", "denominator"])
    return attach_targets(frame, default_targets())[VALUE_COLUMNS]


def _data(level: str = "national", viewer: Viewer = SYSTEM, values=None,
          ranking=None) -> ReportData:
    values = _cells("KZ", "national", LAST) if values is None else values
    targets = default_targets()
    outlook = outlook_table(values[["level", "code", "year", "category", "kpi", "value"]],
                            targets)
    outlook = outlook[outlook["code"] == "KZ"] if level == "national" else outlook
    regions = {"KZ-10": 1.0, "KZ-11": -2.0, "KZ-15": 3.0}
    if ranking is None:
        ranking = pd.concat([_cells(code, "region", {k: v + shift if not math.isnan(v) else v
                                                      for k, v in LAST.items()}, years=[2025])
                             for code, shift in regions.items()], ignore_index=True)
    flow = pd.DataFrame({"year": YEARS, "pending_start": [10.0] * 5,
                         "incoming": [100.0, 110, 120, 130, 140],
                         "resolved": [90.0, 100, 120, 125, 139],
                         "pending_end": [20.0, 30, 30, 35, 36]})
    return ReportData(
        level=level, code="KZ", year=2025, years=YEARS, viewer=viewer, unit={}, region=None,
        names={"KZ-10": {"en": "Abai", "ru": "Абайская область", "kk": "Абай облысы"},
               "KZ-11": {"en": "Akmola", "ru": "Акмолинская область", "kk": None},
               "KZ-15": {"en": "Aktobe", "ru": None, "kk": None}},
        values=values, outlook=outlook, flow=flow, targets=targets,
        peers=pd.DataFrame(columns=["kpi", "value", "own"]), ranking=ranking,
        sources={"cases": 59, "caseload": 7, "none": 1}, synthetic=True)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_findings_are_four_to_eight_sentences_from_the_numbers_and_deterministic(lang):
    data = _data()
    first = build_content(data, lang).findings
    assert 4 <= len(first) <= 8
    shuffled = _data(values=data.values.sample(frac=1.0, random_state=3))
    shuffled.ranking = data.ranking.sample(frac=1.0, random_state=4)
    assert build_content(shuffled, lang).findings == first
    # Every number in the findings is one the tables print.
    rows = report_rows(data)
    video = rows.set_index("kpi").loc["video_hearing_rate"]
    kpi = KPIS["video_hearing_rate"]
    assert first[1] == t("report.find.improved", lang, year=2024,
                         kpi=kpi.names[lang], old=fmt_value(video["value"] - video["change"],
                                                            "%", lang),
                         new=fmt_value(video["value"], "%", lang))


def test_findings_in_english_read_as_sentences():
    lines = build_content(_data(), "en").findings
    assert lines[0] == ("2025: of 14 KPIs with a target, on target 9, near target 3, "
                        "off target 2.")
    assert lines[1] == "Largest improvement on 2024: Hearings by video link, from 31.1 % to 35.6 %."
    assert lines[2] == ("Largest deterioration on 2024: Pending over time limit, "
                        "from 14.6 % to 17.0 %.")
    assert lines[3].startswith("Off target: Pending over time limit at 17.0 % against 5.0 %; ")
    assert "Most KPIs on target among the regions: Aktobe (" in lines[5]
    assert lines[-1] == "No value for 2025: Court user satisfaction."


@pytest.mark.parametrize("lang", LANGUAGES)
def test_values_are_rounded_as_the_pages_round_them(lang):
    content = build_content(_data(), lang)
    cells = value_cells(content)
    for kpi in CATALOGUE:
        assert cells[kpi.code] == fmt_value(LAST[kpi.code], kpi.unit, lang), kpi.code
    expected = {
        "en": ("99.0 %", "8.64", "630,933 ₸", "1,234 cases", "42 days"),
        "ru": ("99,0 %", "8,64", "630\u202f933 ₸", "1\u202f234 дела", "42 дня"),
        "kk": ("99,0 %", "8,64", "630\u202f933 ₸", "1\u202f234 іс", "42 күн"),
    }[lang]
    assert (cells["clearance_rate"], cells["case_turnover"], cells["cost_per_case"],
            cells["caseload_per_judge"], cells["disposition_time"]) == expected


def test_scorecard_rows_carry_status_icon_word_change_and_outlook():
    content = build_content(_data(), "en")
    table = content.scorecard
    assert table.header == ["KPI", "Value", "Target", "Status", "Change on 2024",
                            "2029 outlook"]
    row = table.rows[table.kpis.index("backlog_rate")]
    assert row[:5] == ["Pending over time limit", "17.0 %", "5.0 % *", "✖ off target",
                       "▲ 2.4 %"]
    assert row[5].split()[0] in OUTLOOK_ICONS.values()
    assert [r[0] for r, kind in zip(table.rows, table.kinds) if kind == "pillar"] == [
        "Efficiency", "Quality", "Accessibility", "Transparency", "Trust", "Resources"]


def test_partial_data_says_what_is_missing_instead_of_zero():
    values = _cells("KZ", "national", LAST)
    low = (values["kpi"] == "on_time_rate") & (values["year"] == 2025)
    values.loc[low, "coverage"] = 84.6
    content = build_content(_data(values=values), "en")
    row = content.scorecard.rows[content.scorecard.kpis.index("satisfaction_rate")]
    assert row[1] == "no data" and row[3] == f"{STATUS_ICONS['none']} no data"
    assert "0.0 %" not in row[1:4]
    assert ("Court user satisfaction: no data for 2025 (it needs the courts' resources or "
            "survey figures).") in content.missing
    assert any("Resolved on time 85 %" in note for note in content.missing)
    assert "Data coverage in 2025: 17 of 19 KPIs complete. Lowest: Resolved on time, 85 %." \
        in content.details
    assert "Courts by the source of their figures in 2025: case-level 59, aggregate only 7, " \
           "none 1." in content.details
    ru = build_content(_data(values=values), "ru")
    assert ru.scorecard.rows[ru.scorecard.kpis.index("satisfaction_rate")][1] == "нет данных"


def test_a_change_that_rounds_to_nothing_reads_as_none():
    days = KPIS["disposition_time"]
    assert change_text(0.4, days, "en") == "■ 0 days"
    assert change_text(-0.6, days, "ru") == "▼ 1 день"
    assert change_text(float("nan"), days, "en") == ""
    assert change_text(1.25, KPIS["clearance_rate"], "kk") == "▲ 1,2 %"


def test_judges_ranking_names_only_their_own_court():
    judge = Viewer("j", "judge", "KZ10-D01")
    cells = _cells("KZ10-D01", "court", {"clearance_rate": 99.0}, years=[2025])
    anon = pd.DataFrame({"level": "court", "code": ["anon-1-of-6", "anon-3-of-6"],
                         "year": 2025, "category": "all", "kpi": "clearance_rate",
                         "value": [101.0, 97.0]})
    ranking = pd.concat([cells, anon], ignore_index=True)
    data = _data(level="region", viewer=judge, ranking=ranking)
    data.names["KZ10-D01"] = {"en": "Semey City Court", "ru": None, "kk": None}
    panel = ranking_panels(data, "en")[0]
    assert [r.label for r in panel.rows] == ["Court 1 of 6", "Semey City Court", "Court 3 of 6"]
    assert [r.own for r in panel.rows] == [False, True, False]
    assert panel.rows[0].text == "101.0 %"  # an anonymised court has no status
    ru = ranking_panels(data, "ru")[0]
    assert ru.rows[0].label == "Суд 1 из 6"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="lang must be one of"):
        build_content(_data(), "de")


def test_the_scorecard_is_the_court_pages_table():
    """kpi.analysis.scorecard_rows is layouts.court_view.scorecard_rows with the value as
    `court` and the parent as `region` (until the page calls it)."""
    from layouts.court_view import scorecard_rows as page_rows

    values = pd.concat([_cells("KZ10-D01", "court", LAST), _cells("KZ-10", "region", LAST),
                        _cells("KZ", "national", LAST)], ignore_index=True)
    values.loc[values.index % 7 == 0, "value"] = float("nan")
    peers = pd.concat([_cells(f"KZ10-D0{i}", "court", {k: v + i for k, v in LAST.items()},
                              years=[2025]) for i in range(1, 5)], ignore_index=True)
    outlooks = {("clearance_rate", "all"): "on_track", ("backlog_rate", "all"): "off_track"}
    ours = scorecard_rows(values, peers, "KZ10-D01", "KZ-10", 2025, "all", outlooks)
    theirs = page_rows(values, peers, "KZ10-D01", "KZ-10", 2025, "all", outlooks)
    pd.testing.assert_frame_equal(
        ours.rename(columns={"value": "court", "parent": "region"})[theirs.columns], theirs)


def test_the_embedded_font_has_every_letter_and_sign_the_report_prints():
    needed = set(KAZAKH) | set("₸\u202f•…▲▼■—*") | set("".join(STATUS_ICONS.values())) \
        | set("".join(OUTLOOK_ICONS.values()))
    for path in FONT_FILES.values():
        cmap = TTFont(str(path)).getBestCmap()
        assert not sorted(c for c in needed if ord(c) not in cmap), path.name


def test_findings_without_a_previous_year_or_targets_still_say_so():
    values = _cells("KZ", "national", LAST, years=[2025])
    values["status"] = "none"
    data = _data(values=values)
    data.years = [2025]
    lines = findings(report_rows(data), data, "en")
    assert lines[0] == "2025: no KPI with a target has a value."
    assert lines[1] == "There are no values for 2024 to compare with."
    assert 4 <= len(lines) <= 8


@pytest.mark.parametrize("lang", LANGUAGES)
def test_methodology_page_says_how_the_outlook_is_made_and_how_often_it_held(lang):
    """docs/outlook-method.md in a sentence, then the track record of the unit's level at
    the years ahead the report looks (2025 to 2029: 4), or that the data are too short."""
    data = _data()
    short = build_content(data, lang)
    assert short.method == [t("report.method.outlook", lang),
                            t("report.method.track_none", lang)]
    data.track = pd.DataFrame({
        "kpi": ["clearance_rate", "disposition_time", "clearance_rate"],
        "level": ["national", "national", "national"], "horizon": [4, 4, 3],
        "cases": [20, 20, 21], "coverage": [0.75, 0.85, 0.5], "mae": [1.0] * 3,
        "mae_no_change": [1.0] * 3, "mae_ratio": [1.0] * 3})
    method = build_content(data, lang).method
    assert method[1] == t("report.method.track", lang, steps=4, pct="80", cases="40")
