"""How periods read on the pages (layouts.period_view, layouts.format.period_label):
labels in three languages, the year and part controls' options, the lines beside an
in-year value, and the /outlook table's period columns. Pure functions, no database."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kpi.catalogue import KPIS
from kpi.periods import parse
from layouts import period_view
from layouts.format import period_label


@pytest.mark.parametrize(("code", "lang", "expected"), [
    ("2026", "en", "2026"),
    ("2026-YTD09", "en", "2026, January–September"),
    ("2026-YTD01", "en", "2026, January"),
    ("2026-H1", "en", "First half of 2026"),
    ("2026-Q3", "en", "Q3 2026"),
    ("2026-03", "en", "March 2026"),
    ("R12-2026-09", "en", "12 months, October 2025–September 2026"),
])
def test_period_labels_in_english(code, lang, expected):
    assert period_label(code, lang) == expected


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_period_labels_in_russian_and_kazakh_are_their_own(lang):
    for code in ("2026-YTD09", "2026-H1", "2026-Q3", "2026-03", "R12-2026-09"):
        label = period_label(code, lang)
        assert "2026" in label and label != period_label(code, "en")
        assert "{" not in label  # every placeholder filled


def test_year_options_put_the_year_in_progress_first_and_marked():
    options, placeholder = period_view.year_options([2023, 2024, 2025], 2026, "en")
    assert [o["value"] for o in options] == [2026, 2025, 2024, 2023]
    assert options[0]["label"] == "2026 (in progress)" and placeholder == "2026 (in progress)"
    options, placeholder = period_view.year_options([2024, 2025], None, "en")
    assert [o["value"] for o in options] == [2025, 2024] and placeholder == "2025"


def test_part_options_disable_what_the_data_do_not_reach():
    options, placeholder = period_view.part_options(2026, dt.date(2026, 9, 30), 2026, "en")
    by_value = {o["value"]: o for o in options}
    assert "year" not in by_value  # a year in progress is never a whole year
    assert placeholder == "Year to date"
    assert not by_value["ytd"]["disabled"] and not by_value["H1"]["disabled"]
    assert not by_value["Q3"]["disabled"] and by_value["Q4"]["disabled"]
    assert by_value["H2"]["disabled"] and not by_value["09"]["disabled"]
    assert by_value["10"]["disabled"]
    options, placeholder = period_view.part_options(2025, dt.date(2026, 9, 30), 2026, "en")
    assert placeholder == "Whole year" and not any(o["disabled"] for o in options)


def test_period_line_says_the_as_of_date_of_a_part_of_a_year_only():
    line = period_view.period_line(parse("2026-YTD09"), dt.date(2026, 9, 30), "en")
    text = "".join(str(c.children) for c in line.children)
    assert "2026, January–September" in text and "30" in text and "2026" in text
    whole = period_view.period_line(parse("2025"), dt.date(2026, 9, 30), "en")
    assert len(whole.children) == 1


def test_projection_line_has_the_status_in_words():
    kpi = KPIS["clearance_rate"]
    row = {"year": 2026, "projected": 97.6, "target": 100.0, "status": "red"}
    line = period_view.projection_line(row, kpi, "en")
    assert line is not None
    assert "Projected 2026: 97.6 %" in line.children[0].children
    assert "target 100" in line.children[0].children
    assert "off target" in str(line.children[1]).lower() or "✖" in str(line.children[1])
    assert period_view.projection_line({"year": 2026, "projected": float("nan")}, kpi,
                                       "en") is None


def test_the_outlook_table_gains_the_period_the_year_before_and_the_year_end():
    records = [{"kpi": "clearance_rate", "code": "KZ"}, {"kpi": "clearance_rate",
                                                          "code": "KZ-75"}]
    now = pd.DataFrame({"kpi": ["clearance_rate"] * 2, "code": ["KZ", "KZ-75"],
                        "value": [97.14, float("nan")]})
    before = pd.DataFrame({"kpi": ["clearance_rate"], "code": ["KZ"], "value": [95.0]})
    ahead = pd.DataFrame({"kpi": ["clearance_rate"], "code": ["KZ"], "projected": [98.04],
                          "status": ["amber"]})
    out = period_view.with_period(records, now, before, ahead, "en")
    assert out[0]["period_text"] == "97.1 %" and out[0]["before_text"] == "95.0 %"
    assert out[0]["yearend_text"].startswith("98.0 % ") and "●" in out[0]["yearend_text"]
    # Missing is never 0: a unit without a value shows nothing.
    assert (out[1]["period_text"], out[1]["before_text"], out[1]["yearend_text"]) == \
        ("", "", "")
    # Outside the year in progress there is no projection.
    assert period_view.with_period(records, now, before, None, "ru")[0]["yearend_text"] == ""
