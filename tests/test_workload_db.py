"""Judges needed by weighted caseload on SQLite and PostgreSQL, checked by hand on a
small data set loaded file by file: the ``case_weights`` upload (its errors with line and
column, Russian headers), the judge year (audited and undone), ``python -m kpi
workload|reallocate`` and ``python -m data judge-year`` with their sentences."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from sqlalchemy import text

from data.accounts.access import SYSTEM, Viewer
from data.edits import workload as inputs
from data.ingest.load import load_file
from data.scoped.reads import ScopedReads
from kpi.workload import WorkloadError

REGIONS = ("region_code,name_en,name_ru,name_kk\nKZ-75,Almaty,Алматы,Алматы\n"
           "KZ-71,Astana,Астана,Астана\n")
COURTS = ("court_code,name_en,name_ru,name_kk,region_code,level,specialization\n"
          "A,Court A,Суд А,А соты,KZ-75,district,general\n"
          "B,Court B,Суд Б,Б соты,KZ-75,district,general\n"
          "C,Court C,Суд В,В соты,KZ-71,district,general\n"
          "D,Court D,Суд Г,Г соты,KZ-71,district,general\n"
          "S,Supreme,Верховный,Жоғарғы,KZ-71,supreme,general\n")
# (court, year, category, incoming)
INCOMING = [("A", 2022, "civil", 100), ("A", 2023, "civil", 200), ("A", 2024, "civil", 300),
            ("A", 2025, "civil", 400), ("A", 2025, "admin_offence", 500),
            ("B", 2025, "civil", 660), ("B", 2024, "criminal", 33),
            ("B", 2025, "criminal", 33), ("C", 2025, "criminal", 396),
            ("D", 2025, "civil", 100), ("S", 2025, "civil", 50)]
RESOURCES = ("court_code,year,judge_posts,judges_in_post\n"
             "A,2025,2,1\nB,2025,3,3\nC,2025,2,\nS,2025,1,1\nA,2022,1,1\n")
# Russian headers and words; no weight for admin_offence, none for the supreme court.
WEIGHTS = ("Категория,Инстанция,Минут на дело\n"
           "гражданские,районный суд,60\nуголовные,районный суд,120\n")


def _load(engine, tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    report = load_file(engine, path)
    return report


def _loaded(engine, tmp_path, name, body):
    report = _load(engine, tmp_path, name, body)
    assert report.status == "loaded", [i.message for i in report.errors]
    return report


@pytest.fixture
def data(engine, tmp_path):
    _loaded(engine, tmp_path, "regions.csv", REGIONS)
    _loaded(engine, tmp_path, "courts.csv", COURTS)
    rows = "".join(f"{c},{y},{k},0,{n},{n},0\n" for c, y, k, n in INCOMING)
    _loaded(engine, tmp_path, "caseload.csv",
            "court_code,year,category,pending_start,incoming,resolved,pending_end\n" + rows)
    _loaded(engine, tmp_path, "resources.csv", RESOURCES)
    weights = _loaded(engine, tmp_path, "weights.csv", WEIGHTS)
    assert weights.kind == "case_weights"
    # Only the two weights of the file: the shipped ones would weigh every category.
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM case_weights WHERE illustrative"))
    inputs.set_judge_year(engine, 100, 5, "tester")  # 30,000 minutes
    return engine


def test_case_weights_errors_name_the_line_and_column(engine, tmp_path):
    body = ("category,court_level,minutes\ncivil,district,60\nfamily,district,30\n"
            "criminal,county,90\ncriminal,district,0\nadministrative,district,-5\n"
            "civil,district,70\n")
    report = _load(engine, tmp_path, "w.csv", body)
    assert report.status == "rejected" and report.kind == "case_weights"
    got = {(i.line, i.column, i.code) for i in report.errors}
    assert got == {(3, "category", "bad_choice"), (4, "court_level", "bad_choice"),
                   (5, "minutes", "not_positive"), (6, "minutes", "negative"),
                   (7, "category, court_level", "duplicate_key")}
    assert any("greater than 0" in i.message for i in report.errors)


def test_the_shipped_weights_are_illustrative_until_an_upload_replaces_them(engine, tmp_path):
    with engine.connect() as conn:
        shipped = inputs.case_weights(conn)
        setting = inputs.judge_year(conn)
    assert len(shipped) == 12 and shipped["illustrative"].all()
    assert setting.illustrative and setting.judge_year.minutes == 220 * 6 * 60
    _loaded(engine, tmp_path, "w.csv", "category,court_level,minutes\ncivil,district,61\n")
    with engine.connect() as conn:
        w = inputs.case_weights(conn).set_index(["category", "court_level"])
    assert w.loc[("civil", "district"), "minutes"] == 61
    assert not w.loc[("civil", "district"), "illustrative"]
    assert w.loc[("criminal", "district"), "illustrative"]


def test_workload_by_hand_for_courts_regions_and_the_nation(data):
    reads = ScopedReads(data)
    t = reads.workload(SYSTEM, 2025).set_index(["level", "code"])
    # A: civil 2023-2025 averaged (300), admin_offence unweighted: 300 x 60 minutes.
    a = t.loc[("court", "A")]
    assert a["workload_minutes"] == 18000 and a["judges_needed"] == pytest.approx(0.6)
    assert a["need_ratio"] == pytest.approx(100 / 0.6)
    assert a["coverage"] == pytest.approx(100 * 300 / 800)
    b = t.loc[("court", "B")]  # criminal 2024-2025 averaged: 33
    assert b["workload_minutes"] == 660 * 60 + 33 * 120
    assert pd_isnan(t.loc[("court", "D"), "judges_in_post"])  # no resources at all
    assert ("court", "S") not in t.index  # no weight for its level
    kz = t.loc[("national", "KZ")]
    assert kz["judges_needed"] == pytest.approx(0.6 + 1.452 + 1.584 + 0.2)
    assert kz["need_ratio"] == pytest.approx(100 * 4 / 2.052)
    assert kz["shortfall"] == pytest.approx(2.052 - 4)
    assert t.loc[("region", "KZ-75"), "judge_posts"] == 5
    # One, two and three years averaged.
    a22 = reads.workload(SYSTEM, 2022, "court", "A").iloc[0]
    assert a22["workload_minutes"] == 100 * 60 and a22["need_ratio"] == pytest.approx(
        100 * 1 / (6000 / 30000))


def pd_isnan(value) -> bool:
    return value != value


def test_a_year_or_level_without_inputs_is_a_sentence(data):
    reads = ScopedReads(data)
    with pytest.raises(WorkloadError) as no_res:
        reads.workload(SYSTEM, 2024)
    assert no_res.value.code == "no_resources"
    with pytest.raises(WorkloadError) as no_inc:
        reads.workload(SYSTEM, 2019)
    assert no_inc.value.code == "no_incoming"
    with pytest.raises(WorkloadError, match="supreme court level") as no_w:
        reads.workload(SYSTEM, 2025, "court", "S")
    assert no_w.value.code == "no_weights"


def test_a_judge_sees_their_court_the_regions_and_the_nation_and_no_reallocation(data):
    reads = ScopedReads(data)
    judge = Viewer("j", "judge", "B")
    seen = reads.workload(judge, 2025)
    assert set(seen.loc[seen["level"] == "court", "code"]) == {"B"}
    assert {"KZ-75", "KZ-71", "KZ"} <= set(seen["code"])
    assert reads.reallocation(judge, 2025).empty
    assert reads.reallocation(SYSTEM, 2025)["change"].sum() == 0


def test_the_judge_year_is_audited_undone_and_changes_the_figures(data):
    reads = ScopedReads(data)
    before = reads.workload(SYSTEM, 2025, "court", "A").iloc[0]["judges_needed"]
    inputs.set_judge_year(data, 200, 5, "tester")
    assert reads.workload(SYSTEM, 2025, "court", "A").iloc[0]["judges_needed"] == \
        pytest.approx(before / 2)
    with pytest.raises(WorkloadError):
        inputs.set_judge_year(data, 400, 5, "tester")
    inputs.undo_judge_year(data, "tester")
    assert reads.workload(SYSTEM, 2025, "court", "A").iloc[0]["judges_needed"] == \
        pytest.approx(before)
    with data.connect() as conn:
        changes = inputs.judge_year_changes(conn)
        audit = conn.execute(text("SELECT detail FROM audit_log WHERE action = "
                                  "'judge_year_change' ORDER BY id")).scalars().all()
    assert len(changes) == 3 and changes["undo_of"].notna().sum() == 1
    assert "100 days x 5 h -> 200 days x 5 h" in audit[1] and "undoing" in audit[2]


def _cli(module: str, db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args, "--db", db_url],
                          capture_output=True, text=True, timeout=300)


def test_the_command_lines(data, db_url):
    out = _cli("kpi", db_url, "workload", "--year", "2025", "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == (
        "level,code,year,workload_minutes,judge_year_minutes,judges_needed,judges_in_post,"
        "judge_posts,need_ratio,shortfall,coverage")
    rows = {(r["level"], r["code"]): r for r in csv.DictReader(io.StringIO(out.stdout))}
    assert float(rows[("court", "A")]["judges_needed"]) == pytest.approx(0.6)
    re = _cli("kpi", db_url, "reallocate", "--year", "2025", "--format", "json")
    assert re.returncode == 0, re.stderr
    proposal = {r["court_code"]: r for r in json.loads(re.stdout)}
    # 7 posts (A 2, B 3, C 2; D reports none) by need 0.6 : 1.452 : 1.584.
    assert {c: r["proposed_posts"] for c, r in proposal.items()} == {"A": 2, "B": 2, "C": 3}
    assert sum(r["change"] for r in proposal.values()) == 0
    assert list(proposal["A"]) == ["court_code", "region_code", "judge_posts",
                                   "judges_needed", "proposed_posts", "change"]
    within = _cli("kpi", db_url, "reallocate", "--year", "2025", "--within", "region",
                  "--format", "csv")
    assert within.returncode == 0 and "KZ-75" in within.stdout
    bad = [_cli("kpi", db_url, "workload", "--year", "2024", "--format", "csv"),
           _cli("kpi", db_url, "workload", "--level", "court", "--code", "S", "--format",
                "csv"),
           _cli("kpi", db_url, "workload", "--level", "court", "--code", "ZZ", "--format",
                "csv"),
           _cli("data", db_url, "judge-year", "--days", "0", "--hours", "6"),
           _cli("data", db_url, "judge-year", "--days", "220", "--hours", "25"),
           _cli("data", db_url, "judge-year", "--days", "220")]
    assert [b.returncode for b in bad] == [1, 1, 2, 2, 2, 2]
    assert "no court of the nation in 2024 reports resources" in bad[0].stderr
    assert all("Traceback" not in b.stderr and b.stderr.startswith("error: ") for b in bad)
    ok = _cli("data", db_url, "judge-year", "--days", "210", "--hours", "6.5")
    assert ok.returncode == 0 and "210 days x 6.5 hours = 81900 minutes" in ok.stdout
    undo = _cli("data", db_url, "judge-year", "--undo")
    assert undo.returncode == 0 and "100 days x 5 hours" in undo.stdout


def test_a_tie_in_the_reallocation_goes_by_workload_then_code(engine, tmp_path):
    _loaded(engine, tmp_path, "regions.csv", REGIONS)
    _loaded(engine, tmp_path, "courts.csv", COURTS)
    # A and B need the same (1 judge each at 30,000 minutes), C twice as much; 5 posts.
    _loaded(engine, tmp_path, "caseload.csv",
            "court_code,year,category,pending_start,incoming,resolved,pending_end\n"
            "A,2025,civil,0,500,500,0\nB,2025,civil,0,500,500,0\n"
            "C,2025,civil,0,1000,1000,0\n")
    _loaded(engine, tmp_path, "resources.csv",
            "court_code,year,judge_posts,judges_in_post\nA,2025,1,1\nB,2025,3,2\nC,2025,1,1\n")
    inputs.set_judge_year(engine, 100, 5, "tester")
    _loaded(engine, tmp_path, "w.csv", "category,court_level,minutes\ncivil,district,60\n")
    out = ScopedReads(engine).reallocation(SYSTEM, 2025, "nation").set_index("court_code")
    # P = 5, 3 courts: 2 shared by 1 : 1 : 2 -> quotas 0.5, 0.5, 1; C gets 1, and the one
    # left goes to A or B (remainders and workloads equal): A, by code.
    assert out["proposed_posts"].to_dict() == {"A": 2, "B": 1, "C": 2}
    assert out["change"].to_dict() == {"A": 1, "B": -2, "C": 1}
    assert out["change"].sum() == 0
