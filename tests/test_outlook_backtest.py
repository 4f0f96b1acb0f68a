"""The outlook's method on real court statistics (issue 29, docs/outlook-method.md):
Spain's published CGPJ series loaded through the normal CLI, ``python -m kpi backtest``
within the spec's bounds, and ``--until T`` using nothing after T — on both databases."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bench.spain_cgpj import DEFAULT_DATA, write_files
from kpi.backtest import COLUMNS
from tests.test_cli import run

pytestmark = pytest.mark.skipif(not (DEFAULT_DATA / "ccaa.json").is_file(),
                                reason="the shared Spanish data are not on this machine")


def _load(db_url: str, files: list[Path]) -> None:
    for path in files:
        r = run("data", "load", str(path), "--db", db_url)
        assert r.returncode == 0, r.stderr


@pytest.fixture
def spain(db_url, tmp_path):
    _load(db_url, write_files(DEFAULT_DATA, tmp_path / "es"))
    return db_url


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_backtest_on_spain_is_within_the_spec(spain):
    r = run("kpi", "backtest", "--db", spain, "--level", "region", "--horizons", "1-4",
            "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows and list(rows[0]) == COLUMNS
    by = {(row["kpi"], row["horizon"]): row for row in rows}
    for kpi in ("clearance_rate", "disposition_time"):
        for h in (1, 2, 3, 4):
            row = by[(kpi, h)]
            # 17 communities x the years that have a value h years later.
            assert row["cases"] == 17 * (25 - 2 - h), row
            assert 0.75 <= row["coverage"] <= 0.85, row
            assert row["mae"] <= row["mae_no_change"] + 1e-9, row
    table = run("kpi", "backtest", "--db", spain, "--kpi", "clearance_rate")
    assert table.returncode == 0, table.stderr
    assert "| clearance_rate | region | 4 |" in table.stdout


def test_until_uses_nothing_after_the_year(spain, tmp_path, engine):
    """The outlook made --until 2015 on all 25 years equals the one on a database that
    holds only 2001-2015, and its rows end in 2015; the later years do not leak through
    the calibration either (it pools every community)."""
    files = write_files(DEFAULT_DATA, tmp_path / "cut")
    caseload = files[2]
    lines = caseload.read_text("utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if int(line.split(",")[1]) <= 2015]
    caseload.write_text("\n".join(kept) + "\n", "utf-8")
    from data.store.db import make_engine

    short = tmp_path / "short.sqlite"
    short_url = f"sqlite:///{short}"
    assert run("data", "init", "--db", short_url).returncode == 0
    _load(short_url, files)
    args = ["kpi", "outlook", "--until", "2015", "--horizon", "2019", "--level", "region",
            "--category", "all", "--format", "csv"]
    full, cut = run(*args, "--db", spain), run(*args, "--db", short_url)
    assert full.returncode == 0 and cut.returncode == 0, full.stderr + cut.stderr
    assert full.stdout == cut.stdout
    rows = _csv(full.stdout)
    clearance = [r for r in rows if r["kpi"] == "clearance_rate"]
    assert len(clearance) == 17
    assert {r["last_year"] for r in rows} == {"2015"} and {r["horizon"] for r in rows} == {"2019"}
    # The projection is the 2015 value itself ("no change"), the interval around it.
    for r in clearance:
        assert float(r["projected"]) == float(r["last_value"])
        assert float(r["lower"]) < float(r["projected"]) < float(r["upper"])
    # Without --until the same series end in 2025: the later years are there.
    latest = _csv(run("kpi", "outlook", "--db", spain, "--level", "region", "--kpi",
                      "clearance_rate", "--category", "all", "--format", "csv").stdout)
    assert {r["last_year"] for r in latest} == {"2025"}
    make_engine(short_url).dispose()


@pytest.mark.parametrize("args, message", [
    (["outlook", "--until", "2015", "--horizon", "2030", "--format", "csv"],
     "between 2016 and 2025"),
    (["outlook", "--until", "2015", "--horizon", "2015", "--format", "csv"],
     "between 2016 and 2025"),
    (["outlook", "--until", "1066", "--format", "csv"], "not a plausible year"),
    (["outlook", "--until", "2030", "--format", "csv"], "between 2031 and 2040"),
    (["backtest", "--horizons", "0-4"], "within 1-10"),
    (["backtest", "--horizons", "soon"], "not a range"),
])
def test_bad_until_and_horizons_are_a_sentence(db_url, args, message):
    r = run("kpi", *args, "--db", db_url)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_backtest_of_too_short_data_says_so(db_url):
    r = run("kpi", "backtest", "--db", db_url)
    assert r.returncode == 1 and "too few years" in r.stderr


def test_the_kept_calibration_gives_the_same_outlook(spain, engine):
    """The pages keep the calibration per data version and read one unit's cells; the
    answer is the one learnt from every cell."""
    from data.store import repository

    with engine.connect() as conn:
        learnt = repository.outlook_calibration(conn)
        assert set(learnt["disposition_time"]) >= {1, 2, 3, 4}
        for level, code in (("national", "KZ"), ("region", "ES-MD"), ("court", "ES-MD-ALL")):
            kept = repository.outlook(conn, level=level, code=code, calibration=learnt)
            fresh = repository.outlook(conn, level=level, code=code)
            assert len(kept) > 3 and kept.equals(fresh), code
