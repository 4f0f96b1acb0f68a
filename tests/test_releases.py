"""Releases (issue 14): a published year is frozen, numbered, audited and lists what it
revised; its open data carry the dictionary and the licence. SQLite and PostgreSQL.

The world is written straight into the tables (two regions, three courts, two KPIs,
2022-2025), so every number below can be checked by hand.
"""

from __future__ import annotations

import io
import json
import math
import zipfile

import pandas as pd
import pytest
from sqlalchemy import text

from data.accounts.access import Viewer
from data.publish import releases
from data.publish.releases import ReleaseError
from data.store import frames, repository
from kpi.outlook import outlook_table
from layouts import open_data

STAFF = Viewer("sta", "staff")
ADMIN = Viewer("adm", "admin")
YEARS = (2022, 2023, 2024, 2025)
# clearance_rate rises by 2 a year nationally: 90, 92, 94, 96.
NATIONAL = {2022: 90.0, 2023: 92.0, 2024: 94.0, 2025: 96.0}


def _world(engine) -> None:
    regions = pd.DataFrame({"region_code": ["KZ-11", "KZ-19"],
                            "name_en": ["Akmola Region", "Almaty Region"],
                            "name_ru": ["Акмолинская область", "Алматинская область"],
                            "name_kk": ["Ақмола облысы", "Алматы облысы"]})
    courts = pd.DataFrame({"court_code": ["C1", "C2", "C3"],
                           "name_en": ["Court one", "Court two", "Court three"],
                           "name_ru": ["Суд 1", "Суд 2", "Суд 3"],
                           "name_kk": ["1-сот", "2-сот", "3-сот"],
                           "region_code": ["KZ-11", "KZ-11", "KZ-19"],
                           "level": ["district"] * 3, "specialization": ["general"] * 3})
    cells = []
    for year in YEARS:
        cells.append(("national", "KZ", year, "all", "clearance_rate", NATIONAL[year]))
        cells.append(("national", "KZ", year, "civil", "clearance_rate", NATIONAL[year] + 1))
        cells.append(("national", "KZ", year, "all", "on_time_rate", 80.0))
        for i, code in enumerate(("KZ-11", "KZ-19")):
            cells.append(("region", code, year, "all", "clearance_rate", 88.0 + i * 4))
        for i, code in enumerate(("C1", "C2", "C3")):
            cells.append(("court", code, year, "all", "clearance_rate", 85.0 + i * 3))
    values = pd.DataFrame(cells, columns=["level", "code", "year", "category", "kpi", "value"])
    with engine.begin() as conn:
        frames.insert_frame(conn, "regions", regions)
        frames.insert_frame(conn, "courts", courts)
        frames.insert_frame(conn, "kpi_values", values.assign(coverage=100.0))


@pytest.fixture
def world(engine):
    _world(engine)
    return engine


def _set(engine, level, code, year, kpi, value, category="all") -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE kpi_values SET value = :v WHERE level = :l AND code = :c "
                          "AND year = :y AND kpi = :k AND category = :g"),
                     {"v": value, "l": level, "c": code, "y": year, "k": kpi, "g": category})


def test_a_release_freezes_the_year_and_the_years_before(world):
    done = releases.publish(world, 2024, "  Первый выпуск\r\n", STAFF, "10.0.0.9")
    assert (done["id"], done["year"], done["note"], done["published_by"], done["revised"]) \
        == (1, 2024, "Первый выпуск", "sta", 0)
    with world.connect() as conn:
        frozen = releases.values(conn, 1)
        engine_values = repository.kpi_values(conn, year=[2022, 2023, 2024])
    # Exactly the engine's cells of 2022-2024 (not 2025), with their targets and status.
    assert sorted(frozen["year"].unique()) == [2022, 2023, 2024]
    assert len(frozen) == len(engine_values) == 3 * 8
    mine = frozen.set_index(releases.KEYS).sort_index()
    theirs = engine_values.set_index(releases.KEYS).sort_index()
    for column in ("value", "coverage", "target", "status"):
        assert mine[column].tolist() == theirs[column].tolist() or (
            column == "target" and mine[column].isna().equals(theirs[column].isna()))


def test_later_changes_never_reach_a_published_release(world):
    releases.publish(world, 2025, "", STAFF)
    _set(world, "national", "KZ", 2024, "clearance_rate", 93.5)
    _set(world, "court", "C2", 2023, "clearance_rate", 70.0)
    with world.connect() as conn:
        frozen = releases.values(conn, 1).set_index(releases.KEYS)
    assert frozen.loc[("national", "KZ", 2024, "all", "clearance_rate"), "value"] == 94.0
    assert frozen.loc[("court", "C2", 2023, "all", "clearance_rate"), "value"] == 88.0
    # The next release lists exactly the two revised cells, old and new value.
    second = releases.publish(world, 2025, "revised", ADMIN)
    assert second["id"] == 2 and second["revised"] == 2
    with world.connect() as conn:
        revised = releases.revisions(conn, 2)
        public = releases.revisions(conn, 2, ("national", "region"))
    assert revised[["level", "code", "year", "before", "after"]].values.tolist() == [
        ["national", "KZ", 2024, 94.0, 93.5], ["court", "C2", 2023, 88.0, 70.0]]
    assert public["code"].tolist() == ["KZ"]


def test_revised_is_a_pure_comparison():
    before = pd.DataFrame({"level": ["national"] * 3, "code": ["KZ"] * 3,
                           "year": [2023, 2024, 2024], "category": ["all"] * 3,
                           "kpi": ["clearance_rate", "clearance_rate", "on_time_rate"],
                           "value": [90.0, 94.0, 80.0]})
    after = pd.DataFrame({"level": ["national"] * 4, "code": ["KZ"] * 4,
                          "year": [2023, 2024, 2024, 2025], "category": ["all"] * 4,
                          "kpi": ["clearance_rate", "clearance_rate", "pending_change",
                                  "clearance_rate"],
                          "value": [90.0 + 1e-12, 95.0, 3.0, 99.0]})
    out = releases.revised(before, after)
    # 2023 unchanged (within rounding), 2024 changed, on_time withdrawn, pending_change
    # new in a year the previous release covered; 2025 is new, not a revision.
    assert len(out) == 3 and set(out["year"]) == {2024}
    assert tuple(out.iloc[0][["kpi", "before", "after"]]) == ("clearance_rate", 94.0, 95.0)
    rest = {r.kpi: (r.before, r.after) for r in out.iloc[1:].itertuples()}
    assert rest["on_time_rate"][0] == 80.0 and math.isnan(rest["on_time_rate"][1])
    assert math.isnan(rest["pending_change"][0]) and rest["pending_change"][1] == 3.0
    assert releases.revised(before.iloc[0:0], after).empty


def test_the_outlook_is_frozen_from_the_years_up_to_the_release(world):
    releases.publish(world, 2024, None, STAFF)
    with world.connect() as conn:
        frozen = releases.outlook(conn, 1)
        values = repository.kpi_values(conn, year=[2022, 2023, 2024])
        expected = outlook_table(values[["level", "code", "year", "category", "kpi",
                                         "value"]], repository.targets(conn))
    row = frozen[(frozen["code"] == "KZ") & (frozen["kpi"] == "clearance_rate")
                 & (frozen["category"] == "all")].iloc[0]
    # 90, 92, 94 in 2022-2024: the pace so far +2 a year; projected "no change", 94
    # (docs/outlook-method.md), with its interval around it.
    assert (row["points"], row["last_year"]) == (3, 2024)
    assert row["slope"] == pytest.approx(2.0) and row["projected"] == pytest.approx(94.0)
    assert row["lower"] < 94.0 < row["upper"]
    assert len(frozen) == len(expected)
    assert frozen["outlook"].tolist() == expected["outlook"].tolist()
    assert frozen["projected"].fillna(-1).round(9).tolist() == \
        expected["projected"].astype(float).fillna(-1).round(9).tolist()


@pytest.mark.parametrize("viewer", [Viewer("ana", "analyst"), Viewer("j", "judge", "C1")])
def test_only_staff_and_admins_publish(world, viewer):
    with pytest.raises(ReleaseError) as caught:
        releases.publish(world, 2025, "", viewer)
    assert caught.value.code == "forbidden"
    with world.connect() as conn:
        assert releases.listing(conn).empty


@pytest.mark.parametrize("note, code", [("<script>alert(1)</script>", "markup"),
                                        ("a &lt; b", "markup"), ("x" * 2001, "too_long")])
def test_a_bad_note_or_year_changes_nothing(world, note, code):
    with pytest.raises(ReleaseError) as caught:
        releases.publish(world, 2025, note, STAFF)
    assert caught.value.code == code
    with pytest.raises(ReleaseError) as caught:
        releases.publish(world, 2019, "", STAFF)
    assert caught.value.code == "year"
    with world.connect() as conn:
        assert releases.listing(conn).empty
        assert conn.execute(text("SELECT count(*) FROM release_values")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action = "
                                 "'release_published'")).scalar() == 0


def test_publishing_is_audited(world):
    releases.publish(world, 2025, "for the Congress", STAFF, "10.1.2.3")
    with world.connect() as conn:
        rows = conn.execute(text("SELECT username, action, detail, address FROM audit_log "
                                 "WHERE action = 'release_published'")).all()
    assert [tuple(r) for r in rows] == [
        ("sta", "release_published", "#1 2025: 32 values, 0 revised: for the Congress",
         "10.1.2.3")]


def test_lookups_refuse_what_is_no_release(world):
    releases.publish(world, 2025, "", STAFF)
    with world.connect() as conn:
        assert releases.get(conn, 1)["year"] == 2025
        for bad in (0, -1, 2**31, "1", 1.0, True, None, 2):
            assert releases.get(conn, bad) is None
        with pytest.raises(ReleaseError):
            releases.revisions(conn, 7)
        assert releases.previous(conn, 1) is None
        assert releases.latest(conn)["id"] == 1


def test_open_data_carry_every_value_the_dictionary_and_the_licence(world):
    releases.publish(world, 2025, "open", STAFF)
    with world.connect() as conn:
        release = releases.get(conn, 1)
        frames = {"values": releases.values(conn, 1), "outlook": releases.outlook(conn, 1),
                  "units": releases.units(conn, 1)}
    archive = zipfile.ZipFile(io.BytesIO(open_data.bundle_zip(release, frames)))
    assert sorted(archive.namelist()) == ["LICENCE.txt", "dictionary.csv", "kpis.csv",
                                          "outlook.csv", "release.json", "units.csv",
                                          "values.csv"]
    values = pd.read_csv(archive.open("values.csv"), encoding="utf-8-sig")
    assert len(values) == 32
    kz = values[(values["code"] == "KZ") & (values["kpi"] == "clearance_rate")
                & (values["category"] == "all")]
    assert kz.sort_values("year")["value"].tolist() == list(NATIONAL.values())
    units = pd.read_csv(archive.open("units.csv"), encoding="utf-8-sig")
    assert "Алматинская область" in units["name_ru"].tolist()
    dictionary = pd.read_csv(archive.open("dictionary.csv"), encoding="utf-8-sig")
    # Every column of every data file is described in the three languages.
    described = dictionary.dropna(subset=["en", "ru", "kk"])
    for name in ("values", "outlook", "units"):
        for column in frames[name].columns:
            if column in ("level", "code", "kpi", "category", "year") and name != "values":
                continue
            assert ((described["file"] == f"{name}.csv")
                    & (described["column"] == column)).any(), (name, column)
    assert "CC BY 4.0" in archive.read("LICENCE.txt").decode() and \
        "release 1" in archive.read("LICENCE.txt").decode()
    document = json.loads(open_data.bundle_json(release, frames))
    assert document["release"] == 1 and document["year"] == 2025
    assert "CC BY 4.0" in document["licence"]
    assert len(document["values"]) == 32 and len(document["dictionary"]) == len(dictionary)
    first = next(v for v in document["values"] if v["code"] == "KZ" and v["year"] == 2022
                 and v["kpi"] == "clearance_rate" and v["category"] == "all")
    assert first["value"] == 90.0 and first["target"] is None


def test_the_command_line_publishes_and_lists(world, db_url):
    from tests.test_cli import run

    r = run("data", "release", "list", "--db", db_url)
    assert (r.returncode, r.stdout.strip()) == (0, "No releases yet.")
    r = run("data", "release", "publish", "--year", "2024", "--note", "для съезда",
            "--user", "ops", "--db", db_url)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ("Published release #1 (2024): 24 values, 0 revised since the "
                                "previous release.")
    r = run("data", "release", "list", "--db", db_url)
    assert r.returncode == 0 and r.stdout.startswith("#1\t2024\t") and "\tops\t" in r.stdout \
        and r.stdout.rstrip().endswith("для съезда")
    # A year without data: exit 1; a note with markup: exit 2; nothing published.
    r = run("data", "release", "publish", "--year", "2019", "--db", db_url)
    assert (r.returncode, r.stderr.strip()) == (
        1, "error: There are no KPI values for 2019 to publish.")
    r = run("data", "release", "publish", "--year", "2025", "--note", "<i>x</i>", "--db",
            db_url)
    assert r.returncode == 2 and "plain text" in r.stderr
    with world.connect() as conn:
        assert len(releases.listing(conn)) == 1
