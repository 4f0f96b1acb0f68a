"""Scoping below the callbacks (issue 30): every read of court-level data takes the
viewer and answers only what they may see, on SQLite and PostgreSQL; nothing above
data/ can reach the raw reads."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import pandas as pd
import pytest

from data.accounts.access import SYSTEM, Viewer
from data.scoped.reads import ScopedReads

ROOT = Path(__file__).resolve().parents[1]
OWN, OTHER = "KZ10-D01", "KZ11-D01"
JUDGE = Viewer("j", "judge", OWN)
# What ScopedReads answers that is not about any court: the years, whether the data
# are synthetic, the regions, and its own plumbing.
NOT_COURT_LEVEL = {"years", "synthetic", "regions", "latest_year", "connect", "version",
                   "data_as_of", "year_in_progress", "page_period", "period_or_default",
                   "workload_settings",
                   # counts, ids and times of the notes and releases, meta: a cache key
                   "content_version",
                   "warm"}  # fills the caches and returns nothing to its caller
RAW_READS = ("data.store.repository", "data.derive.backlog", "data.derive.flags")


@pytest.fixture
def engine(demo_engine):
    """In this module, each kind of database holds the small demo (tests/conftest.py)."""
    return demo_engine


@pytest.fixture
def reads(engine):
    return ScopedReads(engine)


def test_every_public_read_takes_the_viewer_first():
    fields = {f.name for f in dataclasses.fields(ScopedReads)}
    for name, member in inspect.getmembers(ScopedReads, inspect.isfunction):
        if name.startswith("_") or name in NOT_COURT_LEVEL or name in fields:
            continue
        params = list(inspect.signature(member).parameters.values())
        assert params[1].name == "viewer" and params[1].default is inspect.Parameter.empty, \
            f"ScopedReads.{name} reads court-level data without a viewer"


def test_nothing_above_data_imports_the_raw_reads():
    """The import contract in pyproject.toml says it for lint-imports; this says it
    again without it, so a change to the contract cannot open the door silently."""
    found = []
    for package in ("callbacks", "web", "layouts"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n in RAW_READS]
    assert found == []


def test_a_judge_reads_nothing_of_another_court(reads):
    assert reads.case_flow(JUDGE, "court", OTHER).empty
    assert not reads.case_flow(JUDGE, "court", OWN).empty
    assert not reads.case_flow(SYSTEM, "court", OTHER).empty
    assert reads.judges_in_post(JUDGE, OTHER) == {}
    assert reads.judges_in_post(SYSTEM, OTHER) != {}
    assert reads.backlog(JUDGE, "court", OTHER, "all").empty
    assert not reads.backlog(SYSTEM, "court", OTHER, "all").empty
    assert set(reads.coverage_matrix(JUDGE)["court_code"]) == {OWN}
    assert OTHER in set(reads.coverage_matrix(SYSTEM)["court_code"])
    assert set(reads.flags(JUDGE)["court_code"]) <= {OWN}
    year = reads.years()[-1]
    assert reads.peer_values(JUDGE, OTHER, year, ["all"]).empty
    peers = reads.peer_values(JUDGE, OWN, year, ["all"])
    assert len(peers) > 0 and list(peers.columns) == ["kpi", "category", "value"]
    values = reads.kpi_values(JUDGE, level="court", year=year)
    assert set(values["code"]) == {OWN}
    ranked = reads.kpi_values(JUDGE, anonymous=True, level="court", year=year)
    assert OTHER not in set(ranked["code"])
    assert set(reads.outlook(JUDGE, level="court")["code"]) == {OWN}


def test_a_judge_sees_other_courts_structure_but_not_their_names(reads):
    directory = reads.directory(JUDGE)
    assert OTHER in set(directory["court_code"])  # peer groups and filters need it
    other = directory[directory["court_code"] == OTHER].iloc[0]
    assert pd.isna(other["name_en"]) and pd.isna(other["name_ru"])
    assert not pd.isna(directory.loc[directory["court_code"] == OWN, "name_en"].iloc[0])
    assert set(reads.courts(JUDGE)["court_code"]) == {OWN}
    names = reads.names(JUDGE, "en")
    assert OWN in names and OTHER not in names and "KZ-11" in names
    assert OTHER in reads.names(SYSTEM, "en")


def test_court_targets_stay_with_their_court(reads, engine):
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO targets (kpi, year, court_code, target, tolerance, "
                          "illustrative) VALUES ('clearance_rate', 2029, :c, 99, NULL, :f)"),
                     {"c": OTHER, "f": False})
    assert OTHER in set(reads.targets(SYSTEM)["court_code"])
    mine = reads.targets(JUDGE)
    assert OTHER not in set(mine["court_code"]) and len(mine) > 0


def test_only_those_who_upload_see_an_uploads_flags(reads):
    with pytest.raises(PermissionError):
        reads.upload_flags(JUDGE, "caseload", pd.DataFrame())
    with pytest.raises(PermissionError):
        reads.upload_flags(Viewer("s", "staff"), "caseload", pd.DataFrame())
    assert reads.upload_flags(Viewer("a", "analyst"), "courts", pd.DataFrame()) is None
