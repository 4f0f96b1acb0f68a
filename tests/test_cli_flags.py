"""``python -m data flags`` as users call it, in subprocesses, on both databases."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.test_cli import run
from tests.test_flags_db import yearly_db  # noqa: F401 (a fixture)

HEADER = "court_code,year,category,field,rule,value,expected,score,message"


@pytest.fixture
def loaded(yearly_db, db_url):  # noqa: F811
    return db_url


def test_csv_json_filters_and_languages(loaded):
    r = run("data", "flags", "--db", loaded)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    scores = [float(row["score"]) for row in rows]
    assert scores == sorted(scores, reverse=True) and min(scores) > 1
    typo = [row for row in rows if (row["court_code"], row["year"], row["category"])
            == ("C05", "2023", "civil")]
    assert {row["rule"] for row in typo} == {"flow_identity", "yoy_outlier"}
    flow = next(row for row in typo if row["rule"] == "flow_identity")
    assert flow["value"].isdigit()  # a count prints as one (1234, not 1234.0)
    assert flow["message"] == (f"pending_end is {int(flow['value']):,}".replace(",", " ")
                               + ", but pending_start + incoming − resolved gives "
                               + f"{flow['expected']}.")

    r = run("data", "flags", "--db", loaded, "--year", "2022", "--court", "C07",
            "--rule", "posts_exceeded", "--format", "json", "--lang", "ru")
    assert r.returncode == 0, r.stderr
    [one] = json.loads(r.stdout)
    assert list(one) == HEADER.split(",")
    assert (one["court_code"], one["year"], one["category"], one["field"]) == (
        "C07", 2022, "", "judges_in_post")
    assert isinstance(one["value"], int) and one["expected"].startswith("≤ ")
    assert one["message"].startswith(f"judges_in_post равно {one['value']}: в должности")

    r = run("data", "flags", "--db", loaded, "--court", "C05", "--lang", "kk")
    kk = list(csv.DictReader(io.StringIO(r.stdout)))
    assert kk and {row["court_code"] for row in kk} == {"C05"}
    assert all("мәні" in row["message"] for row in kk)


@pytest.mark.parametrize("args, message", [
    (["--rule", "nonsense"], "invalid choice: 'nonsense'"),
    (["--court", "NOPE"], "error: no court with the code 'NOPE'"),
    (["--year", "1999"], "error: no data for the year 1999 (years with data: 2021-2024)"),
    (["--year", "last"], "invalid int value: 'last'"),
    (["--format", "xml"], "invalid choice: 'xml'"),
])
def test_bad_input_is_a_sentence_and_exit_code_2(loaded, args, message):
    r = run("data", "flags", "--db", loaded, *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr and "Traceback" not in r.stderr and r.stdout == ""


def test_an_empty_database_has_no_flags(db_url):
    r = run("data", "flags", "--db", db_url, "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout) == []
    r = run("data", "flags", "--db", db_url)
    assert r.returncode == 0 and r.stdout.splitlines() == [HEADER]
    r = run("data", "flags", "--db", db_url, "--year", "2024")
    assert r.returncode == 2 and "no yearly facts or resources are loaded" in r.stderr
