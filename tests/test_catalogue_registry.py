"""The catalogue's registry check (kpi.catalogue.check_registry): the shipped catalogue
passes, and each rule catches a copy of a real record broken in one way."""

from __future__ import annotations

import json
import sys
import types
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import kpi.catalogue as catalogue_module
from kpi.catalogue import CATALOGUE, KPIS, PILLARS, KpiDef, Pillar, Unit, check_registry


def problems_with(bad: KpiDef, replacing: str | None = None) -> list[str]:
    """The problems of the shipped catalogue with ``bad`` in place of the record
    ``replacing`` (default: the one with bad's code), or added when that is None."""
    target = bad.code if replacing is None else replacing
    records = [bad if k.code == target else k for k in CATALOGUE]
    if target not in KPIS:
        records.append(bad)
    return check_registry(records)


def assert_caught(problems: list[str], code: str, *phrases: str) -> None:
    mine = [p for p in problems if p.startswith(f"{code}: ")]
    assert mine, problems
    assert any(all(ph in p for ph in phrases) for p in mine), mine


# --- the shipped catalogue ---------------------------------------------------------


def test_the_shipped_catalogue_passes():
    assert check_registry(CATALOGUE) == []
    assert len(KPIS) == len(CATALOGUE) == 19


def test_pillars_and_units_are_enum_members_that_behave_as_their_strings():
    assert PILLARS == ("efficiency", "quality", "accessibility", "transparency", "trust",
                       "resources")
    assert PILLARS == tuple(Pillar)
    for k in CATALOGUE:
        assert isinstance(k.pillar, Pillar) and isinstance(k.unit, Unit)
        assert k.pillar in PILLARS
    cr = KPIS["clearance_rate"]
    assert cr.pillar == "efficiency" and cr.unit == "%"
    assert f"{cr.unit}" == "%" and str(cr.pillar) == "efficiency"
    assert f"unit.{KPIS['cost_per_case'].unit}" == "unit.KZT"
    assert {"%": 1}[cr.unit] == 1  # dict lookups by the plain string still hit
    assert json.dumps({"pillar": cr.pillar, "unit": cr.unit}) == \
        '{"pillar": "efficiency", "unit": "%"}'
    frame = pd.DataFrame([{"pillar": k.pillar, "unit": k.unit} for k in CATALOGUE[:2]])
    assert frame.to_csv(index=False, lineterminator="\n") == \
        "pillar,unit\nefficiency,%\nefficiency,days\n"
    assert json.loads(frame.to_json(orient="records"))[1] == \
        {"pillar": "efficiency", "unit": "days"}


def test_a_broken_record_stops_the_import(monkeypatch, tmp_path):
    """check_registry runs when the module is imported: a copy of the module's source
    with one formula broken raises ValueError naming the record."""
    source = Path(catalogue_module.__file__).read_text(encoding="utf-8")
    broken = source.replace('formula="100 × appealed / resolved"',
                            'formula="100 × appealed / incoming"')
    assert broken != source
    name = "kpi_catalogue_broken_copy"
    module = types.ModuleType(name)
    module.__file__ = str(tmp_path / "catalogue.py")
    monkeypatch.setitem(sys.modules, name, module)
    code = compile(source, module.__file__, "exec")
    exec(code, module.__dict__)  # the unbroken copy imports
    module = types.ModuleType(name)
    monkeypatch.setitem(sys.modules, name, module)
    with pytest.raises(ValueError, match="appeal_rate: formula .* denominator 'resolved'"):
        exec(compile(broken, str(tmp_path / "catalogue.py"), "exec"), module.__dict__)


# --- codes ---------------------------------------------------------------------------


def test_a_duplicate_code_is_caught():
    twin = replace(KPIS["appeal_rate"], code="clearance_rate")
    problems = check_registry([*CATALOGUE, twin])
    assert_caught(problems, "clearance_rate", "used by 2 records")
    assert check_registry([*CATALOGUE, replace(twin, code="appeal_rate_copy")]) == []


@pytest.mark.parametrize("code", ["ClearanceRate", "clearance-rate", "2x_rate", "rate_"])
def test_a_code_not_in_snake_case_is_caught(code):
    assert_caught(problems_with(replace(KPIS["clearance_rate"], code=code)), code,
                  "snake_case")


# --- closed sets ---------------------------------------------------------------------


def test_an_unknown_pillar_string_is_caught():
    bad = replace(KPIS["clearance_rate"], pillar="justice")
    assert_caught(problems_with(bad), "clearance_rate", "pillar 'justice' is not a Pillar")


def test_a_pillar_given_as_a_plain_string_is_caught():
    """A closed set means the enum member, not a string that happens to match it."""
    bad = replace(KPIS["clearance_rate"], pillar="efficiency")
    assert_caught(problems_with(bad), "clearance_rate", "is not a Pillar")


@pytest.mark.parametrize("unit", ["hours", "percent", "%"])
def test_an_unknown_unit_is_caught(unit):
    bad = replace(KPIS["clearance_rate"], unit=unit)
    assert_caught(problems_with(bad), "clearance_rate", f"unit {unit!r} is not a Unit")


def test_an_unknown_direction_is_caught():
    bad = replace(KPIS["clearance_rate"], direction="up")
    assert_caught(problems_with(bad), "clearance_rate", "direction 'up'")


# --- targets -------------------------------------------------------------------------


def test_a_target_without_tolerance_is_caught():
    bad = replace(KPIS["disposition_time"], tolerance=None)
    assert_caught(problems_with(bad), "disposition_time", "target_range and tolerance")


def test_a_tolerance_without_target_is_caught():
    bad = replace(KPIS["appeal_rate"], tolerance=2.0)
    assert_caught(problems_with(bad), "appeal_rate", "target_range and tolerance")


# --- ratios and formulas -------------------------------------------------------------


def test_a_ratio_without_denominator_is_caught():
    bad = replace(KPIS["clearance_rate"], denominator="")
    assert_caught(problems_with(bad), "clearance_rate", "needs a denominator")


def test_a_ratio_without_numerator_is_caught():
    bad = replace(KPIS["clearance_rate"], numerator=())
    assert_caught(problems_with(bad), "clearance_rate", "needs a numerator")


def test_a_formula_missing_a_numerator_input_is_caught():
    bad = replace(KPIS["pending_change"], formula="100 × pending_end / pending_start")
    assert_caught(problems_with(bad), "pending_change",
                  "does not mention numerator input 'pending_start'")


def test_a_formula_missing_the_denominator_is_caught():
    bad = replace(KPIS["appeal_rate"], formula="100 × appealed / incoming")
    assert_caught(problems_with(bad), "appeal_rate", "denominator 'resolved'")


def test_a_numerator_input_changed_under_its_formula_is_caught():
    """The record is changed, the text left behind: the text now names a non-input."""
    bad = replace(KPIS["on_time_rate"], numerator=(("resolved_late", 1),))
    problems = problems_with(bad)
    assert_caught(problems, "on_time_rate", "numerator input 'resolved_late'")
    assert_caught(problems, "on_time_rate", "names resolved_on_time, not inputs")


def test_a_formula_without_its_scale_is_caught():
    bad = replace(KPIS["disposition_time"], formula="pending_end / resolved")
    assert_caught(problems_with(bad), "disposition_time", "shows scale 1", "has 365")


def test_a_formula_with_a_scale_the_record_lacks_is_caught():
    bad = replace(KPIS["case_turnover"], formula="100 × resolved / pending_end")
    assert_caught(problems_with(bad), "case_turnover", "shows scale 100", "has 1")


def test_a_subtracted_input_written_as_added_is_caught():
    bad = replace(KPIS["judge_vacancy_rate"],
                  formula="100 × (judge_posts + judges_in_post) / judge_posts")
    assert_caught(problems_with(bad), "judge_vacancy_rate",
                  "does not subtract numerator input 'judges_in_post'")


def test_an_input_summed_over_all_categories_may_be_written_in_words():
    """``incoming_all`` as "incoming (all categories)", as the records write it; plain
    "incoming" is another input and does not count."""
    k = KPIS["caseload_per_judge"]
    assert k.formula == "incoming (all categories) / judges_in_post"
    assert check_registry([k]) == []
    assert_caught(check_registry([replace(k, formula="incoming / judges_in_post")]),
                  "caseload_per_judge", "numerator input 'incoming_all'")


def test_an_empty_formula_is_caught():
    for code in ("clearance_rate", "median_disposition_days"):
        assert_caught(problems_with(replace(KPIS[code], formula="")), code,
                      "formula is empty")


# --- names ---------------------------------------------------------------------------


def test_a_missing_kazakh_name_is_caught():
    k = KPIS["trust_rate"]
    bad = replace(k, names={lang: text for lang, text in k.names.items() if lang != "kk"})
    assert_caught(problems_with(bad), "trust_rate", "exactly en, ru, kk", "missing kk")


def test_an_empty_kazakh_name_is_caught():
    k = KPIS["trust_rate"]
    bad = replace(k, names={**k.names, "kk": "  "})
    assert_caught(problems_with(bad), "trust_rate", "name in 'kk' is empty")


def test_a_name_in_an_extra_language_is_caught():
    k = KPIS["trust_rate"]
    bad = replace(k, names={**k.names, "de": "Vertrauen"})
    assert_caught(problems_with(bad), "trust_rate", "exactly en, ru, kk", "extra de")


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_an_untranslated_name_is_caught(lang):
    k = KPIS["clearance_rate"]
    bad = replace(k, names={**k.names, lang: k.names["en"]})
    assert_caught(problems_with(bad), "clearance_rate", f"name in {lang!r} is the English")
