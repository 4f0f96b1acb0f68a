"""The synthetic data generator: schema, contract rules, designed gaps, determinism,
the data end of an extraction day (``as_of``) and the courts' seasons."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from data.demo import synthetic
from data.store.schema import APPEAL_RESULTS, CATEGORIES, COURT_LEVELS, KINDS, SPECIALIZATIONS

ISO_CODES = {
    "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
    "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79",
}
ROOT = Path(__file__).resolve().parent.parent
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
# Every test passes the extraction day (the default is today): data through 2025.
AS_OF = datetime.date(2026, 1, 1)
LAST_DAY = pd.Timestamp("2025-12-31")
YEARS = synthetic.demo_years(AS_OF)  # 2020 (the warm-up year) to 2025
# Mid-year extraction: the last year (2026) is partial, data through 2026-11-30.
PARTIAL_AS_OF = datetime.date(2026, 12, 7)
PARTIAL_END = pd.Timestamp("2026-11-30")


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return synthetic.generate("small", seed=0, as_of=AS_OF)


@pytest.fixture(scope="module")
def partial() -> dict[str, pd.DataFrame]:
    return synthetic.generate("small", seed=0, as_of=PARTIAL_AS_OF)


def _is_dtype(series: pd.Series, type_: str) -> bool:
    dtype = series.dtype
    if type_ == "text":
        # The NA-backed "string" dtype, not pandas 3's NaN-backed default "str".
        return isinstance(dtype, pd.StringDtype) and dtype.na_value is pd.NA
    return dtype == {
        "int": pd.Int64Dtype(), "decimal": pd.Float64Dtype(), "bool": pd.BooleanDtype(),
        "date": np.dtype("datetime64[s]"),
    }[type_]


# --- shape -----------------------------------------------------------------------------


def test_one_frame_per_kind(small):
    assert set(small) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_columns_and_dtypes_follow_the_schema(small, kind):
    df = small[kind]
    assert tuple(df.columns) == KINDS[kind].column_names
    assert len(df) > 0
    for col in KINDS[kind].columns:
        assert _is_dtype(df[col.name], col.type), (kind, col.name, df[col.name].dtype)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_keys_unique_and_required_present(small, kind):
    df = small[kind]
    assert not df.duplicated(subset=list(KINDS[kind].key)).any()
    for name in KINDS[kind].required:
        assert df[name].notna().all(), (kind, name)


def test_small_scale_sizes(small):
    assert 50 <= len(small["courts"]) <= 70
    per_year = small["cases"]["filed_date"].dt.year.value_counts()
    assert YEARS == (2020, 2021, 2022, 2023, 2024, 2025)
    assert sorted(per_year.index) == list(YEARS)
    assert per_year.between(8_000, 12_000).all()


# --- regions and courts ----------------------------------------------------------------


def test_twenty_regions_with_iso_codes(small):
    regions = small["regions"]
    assert set(regions["region_code"]) == ISO_CODES
    assert len(regions) == 20
    row = regions.set_index("region_code").loc["KZ-59"]
    assert (row["name_en"], row["name_ru"], row["name_kk"]) == (
        "North Kazakhstan Region", "Северо-Казахстанская область", "Солтүстік Қазақстан облысы")


def test_kazakh_names_use_kazakh_letters(small):
    for df in (small["regions"], small["courts"]):
        assert any(set(name) & KAZAKH_LETTERS for name in df["name_kk"])
    # Russian names never use Kazakh-only letters; neither has Latin letters.
    for name in pd.concat([small["regions"]["name_ru"], small["courts"]["name_ru"]]):
        assert not set(name) & KAZAKH_LETTERS, name
    for name in pd.concat([small["courts"]["name_ru"], small["courts"]["name_kk"]]):
        assert not re.search("[A-Za-z]", name), name


def test_courts_reference_regions_and_use_valid_codes(small):
    courts = small["courts"]
    assert set(courts["region_code"]) <= set(small["regions"]["region_code"])
    assert set(courts["level"]) <= set(COURT_LEVELS)
    assert set(courts["specialization"]) <= set(SPECIALIZATIONS)
    pattern = re.compile(r"^(KZ-SC|KZ\d\d-(RC|D\d\d|ECO|ADM|JUV|CRM))$")
    assert all(pattern.match(code) for code in courts["court_code"])
    assert (courts["level"] == "supreme").sum() == 1
    assert (courts["level"] == "regional").sum() == 20
    for col in ("name_en", "name_ru", "name_kk"):
        assert courts[col].is_unique, col


# --- cases -----------------------------------------------------------------------------


def test_cases_reference_courts_and_categories(small):
    cases, courts = small["cases"], small["courts"]
    assert set(cases["court_code"]) <= set(courts["court_code"])
    assert set(cases["category"]) == set(CATEGORIES)
    assert "KZ-SC" not in set(cases["court_code"])
    results = cases["appeal_result"].dropna()
    assert set(results) <= set(APPEAL_RESULTS)


def test_case_ids_follow_the_numbering(small):
    cases = small["cases"]
    prefix = {"civil": "2", "criminal": "1", "administrative": "3", "admin_offence": "5"}
    parts = cases["case_id"].str.extract(r"^(\d)-(\d+)/(\d{4})$")
    assert parts.notna().all().all()
    assert (parts[0] == cases["category"].map(prefix)).all()
    assert (parts[2].astype(int) == cases["filed_date"].dt.year).all()


def test_case_dates(small):
    cases = small["cases"]
    filed, resolved = cases["filed_date"], cases["resolved_date"]
    assert filed.min() >= pd.Timestamp(f"{synthetic.FIRST_YEAR}-01-01")
    assert filed.max() <= LAST_DAY
    done = resolved.notna()
    assert (resolved[done] >= filed[done]).all()
    assert resolved.max() <= LAST_DAY
    assert (resolved[done] == filed[done]).any()  # same-day decisions
    pending = ~done
    assert 0.005 < pending.mean() < 0.08
    assert (pending & (filed.dt.year < 2025)).any()  # backlog from earlier years
    assert pending[filed.dt.year == 2025].mean() > pending[filed.dt.year == 2022].mean()


def test_case_parts_and_appeals(small):
    cases = small["cases"]
    both = cases["hearings_total"].notna()
    assert (cases["hearings_video"].isna() == ~both).all()
    assert (cases.loc[both, "hearings_video"] <= cases.loc[both, "hearings_total"]).all()
    assert cases.loc[both, "hearings_total"].between(0, 6).all()
    has_result = cases["appeal_result"].notna()
    assert cases.loc[has_result, "appealed"].fillna(False).all()
    assert not cases.loc[cases["resolved_date"].isna(), "appealed"].any()
    assert (cases["statutory_days"].dropna() > 0).all()
    assert cases["statutory_days"].isna().mean() > 0.5


def test_category_mix_follows_the_court_kind(small):
    cases = small["cases"].merge(small["courts"], on="court_code")
    by_spec = {spec: set(g) for spec, g in cases.groupby("specialization")["category"]}
    assert by_spec["economic"] == {"civil"}
    assert by_spec["administrative"] == {"administrative"}
    assert by_spec["criminal"] == {"criminal"}
    assert by_spec["juvenile"] == {"civil", "criminal", "admin_offence"}
    regional = cases[cases["level"] == "regional"]
    assert set(regional["category"]) <= {"civil", "criminal", "administrative"}
    # District courts do not hear administrative cases where an administrative court exists.
    adm_regions = set(small["courts"].query("specialization == 'administrative'")["region_code"])
    general = cases[(cases["level"] == "district") & (cases["specialization"] == "general")]
    assert not ((general["category"] == "administrative")
                & general["region_code"].isin(adm_regions)).any()


def test_trends(small):
    cases = small["cases"]
    year = cases["filed_date"].dt.year
    e_filed = cases["e_filed"].astype(float).groupby(year).mean()
    assert e_filed[2021] < 0.78 < 0.85 < e_filed[2025]
    h = cases["hearings_total"].astype(float)
    v = cases["hearings_video"].astype(float)
    video = v.groupby(year).sum() / h.groupby(year).sum()
    assert video[2025] > video[2021]


# --- designed gaps ---------------------------------------------------------------------


def test_some_courts_report_aggregates_only(small):
    caseload, cases, courts = small["caseload"], small["cases"], small["courts"]
    aggregate = set(caseload["court_code"])
    assert aggregate
    assert not aggregate & set(cases["court_code"])
    assert aggregate <= set(courts.query("level == 'district'")["court_code"])
    # Every year for every category a court reports (administrative cases since the
    # Administrative Procedure Code of 2021).
    per_court = caseload.groupby(["court_code", "category"])["year"].agg(sorted)
    for (_, category), years in per_court.items():
        assert years == [y for y in YEARS if category != "administrative" or y >= 2021]


def test_hearings_and_published_missing_for_whole_courts(small):
    cases = small["cases"]
    na_hearings = cases["hearings_total"].isna().groupby(cases["court_code"]).mean()
    assert set(na_hearings.unique()) == {0.0, 1.0}
    na_published = cases["published"].isna().groupby(cases["court_code"]).mean()
    assert set(na_published.unique()) == {0.0, 1.0}


def test_caseload_rules(small):
    cl = small["caseload"]
    counts = cl.select_dtypes("Int64").drop(columns="year")
    assert (counts.fillna(0) >= 0).all().all()
    for part, whole in (("resolved_on_time", "resolved"), ("reversed_or_modified", "appealed"),
                        ("hearings_video", "hearings_total")):
        ok = cl[part].isna() | cl[whole].isna() | (cl[part] <= cl[whole])
        assert ok.all(), part
    off = cl["pending_end"] != cl["pending_start"] + cl["incoming"] - cl["resolved"]
    assert 0 < off.sum() <= max(3, 0.02 * len(cl))
    assert cl[list(KINDS["caseload"].column_names[7:])].isna().any().any()


# --- resources, surveys, targets -------------------------------------------------------


def test_resources(small):
    res, courts = small["resources"], small["courts"]
    assert set(res["court_code"]) <= set(courts["court_code"])
    values = res.drop(columns=["court_code", "year"])
    assert (values.fillna(0) >= 0).all().all()
    # One designed seconded judge above the posts (a plausibility flag to show).
    above = res[res["judges_in_post"] > res["judge_posts"]]
    assert list(zip(above["court_code"], above["year"])) == [("KZ35-D01", 2025)]
    assert (res["staff_in_post"].dropna() <= res["staff_posts"].dropna()).all()
    assert res["budget_kzt"].dropna().between(30e6, 5e9).all()
    assert set(res["year"]) == set(YEARS)


def test_judge_vacancies_are_plausible_at_every_level(small):
    res = small["resources"].merge(small["courts"][["court_code", "region_code"]])
    court = 1 - res["judges_in_post"] / res["judge_posts"]
    assert court.between(-0.5, 0.34).all()
    for keys in (["year"], ["year", "region_code"]):
        sums = res.groupby(keys)[["judge_posts", "judges_in_post"]].sum()
        vacancy = 1 - sums["judges_in_post"] / sums["judge_posts"]
        assert vacancy.between(0.0, 0.3).all(), vacancy[~vacancy.between(0.0, 0.3)]
    national = res.groupby("year")[["judge_posts", "judges_in_post"]].sum()
    assert (national["judges_in_post"] < national["judge_posts"]).all()


def test_surveys(small):
    sv = small["surveys"]
    assert set(sv["court_code"]) <= set(small["courts"]["court_code"])
    assert sv["respondents"].between(50, 400).all()
    assert (sv["satisfied"] <= sv["respondents"]).all()
    assert (sv["trusting"].dropna() <= sv["respondents"][sv["trusting"].notna()]).all()
    assert sv["year"].min() == 2022


def test_targets(small):
    tg = small["targets"]
    assert set(tg["kpi"]) <= {"clearance_rate", "disposition_time", "e_filing_rate"}
    assert set(tg["court_code"]) <= set(small["courts"]["court_code"])
    assert tg["tolerance"].isna().all()
    assert (tg["year"] == 2025).all()


# --- determinism, chunks, progress -----------------------------------------------------


def test_deterministic_for_a_seed(small):
    again = synthetic.generate("small", seed=0, as_of=AS_OF)
    for kind in KINDS:
        pd.testing.assert_frame_equal(small[kind], again[kind])


def test_different_seeds_differ(small):
    other = synthetic.generate("small", seed=1, as_of=AS_OF)
    pd.testing.assert_frame_equal(small["courts"], other["courts"])  # stable court list
    assert not small["cases"].equals(other["cases"])
    assert not small["resources"].equals(other["resources"])


def test_chunks_concatenate_to_the_cases_frame(small):
    for size in (7, 50):
        chunks = list(synthetic.iter_case_chunks("small", 0, chunk_courts=size, as_of=AS_OF))
        pd.testing.assert_frame_equal(pd.concat(chunks), small["cases"])


def test_without_cases_the_other_frames_are_the_same(small):
    frames = synthetic.generate("small", seed=0, include_cases=False, as_of=AS_OF)
    cases = frames["cases"]
    assert len(cases) == 0
    assert tuple(cases.columns) == KINDS["cases"].column_names
    for col in KINDS["cases"].columns:
        assert _is_dtype(cases[col.name], col.type), col.name
    for kind in KINDS:
        if kind != "cases":
            pd.testing.assert_frame_equal(frames[kind], small[kind])


def test_national_chunks_are_consistent():
    # Only the first courts: the full national set (7.5M cases) is too big for a test.
    five = synthetic.iter_case_chunks("national", 3, chunk_courts=5, as_of=AS_OF)
    first, second = next(five), next(five)
    ten = next(synthetic.iter_case_chunks("national", 3, chunk_courts=10, as_of=AS_OF))
    pd.testing.assert_frame_equal(pd.concat([first, second]), ten)
    assert second.index[0] == first.index[-1] + 1
    assert not set(first["court_code"]) & set(second["court_code"])
    assert first["court_code"].nunique() == 5
    assert tuple(ten.columns) == KINDS["cases"].column_names
    # National courts are an order of magnitude bigger than the small ones.
    assert len(ten) / 10 / len(YEARS) > 500


def test_progress_is_reported():
    calls: list[tuple[str, float]] = []
    synthetic.generate("small", seed=2, as_of=AS_OF,
                       progress=lambda message, fraction: calls.append((message, fraction)))
    fractions = [f for _, f in calls]
    assert len(calls) >= 3
    assert fractions == sorted(fractions)
    assert fractions[0] >= 0.0 and fractions[-1] == 1.0


def test_unknown_scale_is_refused():
    with pytest.raises(ValueError, match="scale"):
        synthetic.generate("huge", as_of=AS_OF)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        synthetic.iter_case_chunks("small", 0, chunk_courts=0, as_of=AS_OF)


# --- the extraction day: data end, partial last year ------------------------------------


@pytest.mark.parametrize(("as_of", "end"), [
    ("2026-12-07", "2026-11-30"), ("2026-01-01", "2025-12-31"), ("2026-12-31", "2026-11-30"),
    ("2027-01-31", "2026-12-31"), ("2024-03-01", "2024-02-29"), ("2020-02-01", "2020-01-31"),
])
def test_data_end_is_the_last_day_of_the_last_complete_month(as_of, end):
    day = datetime.date.fromisoformat
    assert synthetic.data_end(day(as_of)) == day(end)


def test_demo_years_run_from_the_first_year_to_the_data_end():
    assert synthetic.demo_years(PARTIAL_AS_OF) == tuple(range(2020, 2027))
    assert synthetic.demo_years(datetime.date(2027, 1, 1)) == tuple(range(2020, 2027))
    assert synthetic.demo_years(datetime.date(2027, 2, 1)) == tuple(range(2020, 2028))
    with pytest.raises(ValueError, match="as_of"):
        synthetic.generate("small", as_of=datetime.date(2020, 1, 15))


def test_nothing_happens_after_the_data_end(partial):
    cases = partial["cases"]
    assert cases["filed_date"].max() <= PARTIAL_END
    assert cases["resolved_date"].max() <= PARTIAL_END
    filed = cases["filed_date"]
    assert (filed.dt.year == 2026).sum() > 7_000  # 11 months of filings
    assert (filed >= "2026-11-01").any() and (cases["resolved_date"] >= "2026-11-01").any()
    # Cases filed late in November are mostly still pending on 30 November.
    late = filed >= "2026-11-20"
    assert cases.loc[late, "resolved_date"].isna().mean() > 0.5
    # Appeal results of decisions in the last weeks are mostly not known yet.
    recent = cases["resolved_date"] >= "2026-11-01"
    assert cases.loc[recent & cases["appealed"].fillna(False), "appeal_result"].isna().mean() \
        > 0.5
    # Case numbers of the partial year follow the numbering.
    ids = cases.loc[filed.dt.year == 2026, "case_id"]
    assert ids.str.endswith("/2026").all()


def test_the_partial_year_has_no_yearly_rows(partial):
    for kind in ("caseload", "resources", "surveys"):
        assert partial[kind]["year"].max() == 2025, kind
    assert set(partial["caseload"]["year"]) == {2020, 2021, 2022, 2023, 2024, 2025}


def test_a_partial_year_is_deterministic_and_chunked_alike(partial):
    again = synthetic.generate("small", seed=0, as_of=PARTIAL_AS_OF)
    for kind in KINDS:
        pd.testing.assert_frame_equal(partial[kind], again[kind])
    chunks = synthetic.iter_case_chunks("small", 0, chunk_courts=9, as_of=PARTIAL_AS_OF)
    pd.testing.assert_frame_equal(pd.concat(list(chunks)), partial["cases"])
    # Any day of the same month gives the same data; the next month more.
    same = synthetic.generate("small", seed=0, as_of=datetime.date(2026, 12, 28))
    pd.testing.assert_frame_equal(same["cases"], partial["cases"])
    other = synthetic.generate("small", seed=0, as_of=datetime.date(2027, 1, 1))
    assert len(other["cases"]) > len(partial["cases"])
    assert other["resources"]["year"].max() == 2026


# --- seasons and the warm-up year ---------------------------------------------------------


def test_resolutions_dip_in_the_summer_and_peak_in_december(small):
    resolved = small["cases"]["resolved_date"].dropna()
    per_month = resolved.dt.month.value_counts().sort_index()
    ratio = per_month / per_month.mean()
    assert ratio[7] < 0.75 and ratio[8] < 0.85, ratio.round(2).to_dict()
    assert ratio[12] == ratio.max() and ratio[12] > 1.2, ratio.round(2).to_dict()
    assert ratio[1] < 0.8  # some of January's decisions were pushed into December


def test_courts_start_after_the_warm_up_year_with_a_backlog(small):
    cases = small["cases"]
    filed, resolved = cases["filed_date"], cases["resolved_date"]

    def pending_on(day: str) -> int:
        t = pd.Timestamp(day)
        return int(((filed < t) & (resolved.isna() | (resolved >= t))).sum())

    assert pending_on("2020-01-01") == 0  # the warm-up year starts empty
    start, end = pending_on("2021-01-01"), pending_on("2022-01-01")
    assert start > 500 and abs(end - start) / start < 0.3


# --- the command line -------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data", "demo", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_cli_demo_takes_the_extraction_day(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    r = _cli("--as-of", PARTIAL_AS_OF.isoformat(), "--db", url)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "data to 2026-11-30" in r.stdout
    engine = create_engine(url)
    with engine.connect() as conn:
        last = conn.execute(text("SELECT MAX(filed_date), MAX(resolved_date) FROM cases")).one()
        years = conn.execute(text("SELECT MAX(year) FROM resources")).scalar()
        marker = conn.execute(text("SELECT value FROM meta WHERE key = 'demo'")).scalar()
    engine.dispose()
    assert all(str(day)[:10] <= "2026-11-30" for day in last)
    assert years == 2025
    assert marker == "small seed 0 as of 2026-12-07"


@pytest.mark.parametrize("as_of", ["2019-12-31", "2026-13-01", "yesterday"])
def test_cli_demo_refuses_a_bad_extraction_day(tmp_path, as_of):
    r = _cli("--as-of", as_of, "--db", f"sqlite:///{tmp_path / 'demo.sqlite'}")
    assert r.returncode == 2
    assert "as-of" in r.stderr
