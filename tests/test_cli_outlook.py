"""``python -m kpi outlook`` and ``simulate`` as users call them, on both databases."""

from __future__ import annotations

import csv
import io
import json

import pytest

from kpi.outlook import COLUMNS
from kpi.simulate import COLUMNS as SIM_COLUMNS
from tests.conftest import DEMO_AS_OF
from tests.test_cli import run


@pytest.fixture
def demo(engine, db_url):
    from data.demo.loading import load_demo

    load_demo(engine, "small", seed=0, as_of=DEMO_AS_OF)
    return db_url


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_outlook_and_simulate_on_the_demo(demo, engine):
    from data.store import repository

    r = run("kpi", "outlook", "--db", demo, "--level", "national", "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == ",".join(COLUMNS)
    rows = _csv(r.stdout)
    assert {row["code"] for row in rows} == {"KZ"} and len(rows) > 18
    with engine.connect() as conn:
        expected = repository.outlook(conn, level="national")
    by_key = {(row["category"], row["kpi"]): row for row in rows}
    for want in expected.itertuples(index=False):  # full precision, empty is empty
        got = by_key[(want.category, want.kpi)]
        for column in ("projected", "lower", "upper", "required_slope", "target"):
            value = getattr(want, column)
            assert got[column] == ("" if value is None or value != value else repr(value))
    # JSON, one KPI of one region, another horizon.
    r = run("kpi", "outlook", "--db", demo, "--level", "region", "--code", "KZ-10",
            "--kpi", "clearance_rate", "--category", "all", "--horizon", "2035",
            "--format", "json")
    assert r.returncode == 0, r.stderr
    [row] = json.loads(r.stdout)
    assert row["horizon"] == 2035 and row["code"] == "KZ-10" and list(row) == COLUMNS

    r = run("kpi", "simulate", "--db", demo, "--level", "national", "--format", "csv",
            "--incoming-change", "5", "--clearance", "102")
    assert r.returncode == 0, r.stderr
    sim = _csv(r.stdout)
    assert list(sim[0]) == SIM_COLUMNS and [s["year"] for s in sim] == [
        "2025", "2026", "2027", "2028", "2029"]
    first, second = sim[0], sim[1]
    assert float(second["incoming"]) == pytest.approx(float(first["incoming"]) * 1.05)
    assert float(second["clearance_rate"]) == pytest.approx(102.0)
    court = run("kpi", "simulate", "--db", demo, "--level", "court", "--code", "KZ10-D01",
                "--judges", "12", "--horizon", "2027", "--format", "json")
    assert court.returncode == 0, court.stderr
    assert len(json.loads(court.stdout)) == 3


@pytest.mark.parametrize("args, code, message", [
    (["outlook", "--horizon", "2025", "--format", "csv"], 2, "between 2026 and 2035"),
    (["outlook", "--horizon", "soon", "--format", "csv"], 2, "not a year"),
    (["outlook", "--kpi", "nope", "--format", "csv"], 2, "invalid choice"),
    (["outlook", "--level", "court", "--code", "NOPE", "--format", "csv"], 1, "no KPI values"),
    (["simulate", "--level", "court", "--format", "csv"], 2, "--code is needed"),
    (["simulate", "--level", "region", "--code", "KZ-10", "--judges", "3", "--format", "csv"],
     2, "--judges is for one court"),
    (["simulate", "--level", "court", "--code", "NOPE", "--format", "csv"], 1,
     "cannot simulate court NOPE"),
])
def test_bad_input_is_a_sentence_and_an_exit_code(db_url, args, code, message):
    r = run("kpi", *args, "--db", db_url)
    assert r.returncode == code, (r.stdout, r.stderr)
    assert message in r.stderr and "Traceback" not in r.stderr
