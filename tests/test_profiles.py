"""Import profiles (#19): a court's own names mapped, stored, exported, imported, used."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from data.ingest import profiles
from data.ingest.load import load_file
from data.ingest.readers import read_table
from tests.test_cli import run
from tests.test_loader import COURTS, REGIONS

OWN = ("Рег. номер;Суд;Вид производства;Поступило (дата);Окончено (дата)\r\n"
       "1;A;ГПК;10.01.2024;10.02.2024\r\n2;A;УПК;01.03.2024;\r\n")
PROFILE = profiles.Profile(
    "Алматинский облсуд",
    columns={"Рег. номер": "case_id", "Суд": "court_code", "Вид производства": "category",
             "Поступило (дата)": "filed_date", "Окончено (дата)": "resolved_date"},
    values={"category": {"ГПК": "civil", "УПК": "criminal"}})


def test_apply_renames_and_recodes_before_validation(tmp_path):
    path = tmp_path / "own.csv"
    path.write_bytes(OWN.encode("cp1251"))
    raw = profiles.apply(read_table(path), PROFILE)
    assert raw.header == ["case_id", "court_code", "category", "filed_date", "resolved_date"]
    assert list(raw.frame["category"]) == ["civil", "criminal"]
    assert raw.read_as["вид производства"] == "category"  # names as the reader keeps them


@pytest.mark.parametrize("bad, words", [
    (profiles.Profile("p", {"A": "case_id", "B": "case_id"}), "two columns are mapped"),
    (profiles.Profile("p", {"A": "no_such_field"}), "no column of the data contract"),
    (profiles.Profile("p", {}, {"category": {"x": "martial"}}), "not a code of 'category'"),
    (profiles.Profile("p", {}, {"court_code": {"x": "A"}}), "no codes to map"),
    (profiles.Profile(" ", {}), "profile name"),
])
def test_refused_profiles(bad, words):
    with pytest.raises(profiles.ProfileError, match=words):
        profiles.check(bad)


def test_json_round_trip_and_junk():
    assert profiles.from_json(profiles.to_json(PROFILE)) == PROFILE
    for junk in ("[]", "{", '{"name": 5}', '{"name": "x", "values": {"category": 3}}'):
        with pytest.raises(profiles.ProfileError):
            profiles.from_json(junk)


def test_stored_audited_and_used_by_the_loader(engine, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        (tmp_path / name).write_text(body, encoding="utf-8")
        assert load_file(engine, tmp_path / name).status == "loaded"
    with engine.begin() as conn:
        profiles.save(conn, PROFILE, "analyst-1")
    with engine.connect() as conn:
        assert profiles.get(conn, PROFILE.name) == PROFILE
        assert [n for n, _, _ in profiles.listing(conn)] == [PROFILE.name]
        assert conn.execute(text("SELECT COUNT(*) FROM audit_log WHERE action = "
                                 "'profile_saved' AND username = 'analyst-1'")).scalar() == 1
    path = tmp_path / "own.csv"
    path.write_bytes(OWN.encode("cp1251"))
    assert load_file(engine, path).status == "rejected"  # without the profile: unknown names
    report = load_file(engine, path, profile=PROFILE)
    assert report.status == "loaded" and report.rows == 2
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT case_id, category FROM cases ORDER BY case_id")).all()
    assert [tuple(r) for r in rows] == [("1", "civil"), ("2", "criminal")]


def test_cli_round_trips_a_profile(db_url, tmp_path):
    source = tmp_path / "profile.json"
    source.write_text(profiles.to_json(PROFILE), encoding="utf-8")
    imported = run("data", "profile", "import", str(source), "--db", db_url, "--user", "ana")
    assert imported.returncode == 0, imported.stderr
    listed = run("data", "profile", "list", "--db", db_url)
    assert PROFILE.name in listed.stdout and "saved by ana" in listed.stdout
    out = tmp_path / "again.json"
    exported = run("data", "profile", "export", PROFILE.name, str(out), "--db", db_url)
    assert exported.returncode == 0, exported.stderr
    assert profiles.from_json(out.read_text(encoding="utf-8")) == PROFILE
    shown = run("data", "profile", "show", PROFILE.name, "--db", db_url)
    assert json.loads(shown.stdout)["columns"]["Суд"] == "court_code"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "columns": {"A": "year", "B": "year"}}))
    refused = run("data", "profile", "import", str(bad), "--db", db_url)
    assert refused.returncode == 1 and "two columns are mapped to 'year'" in refused.stderr
    missing = run("data", "load", str(source), "--profile", "nope", "--db", db_url)
    assert missing.returncode == 2 and "no import profile named 'nope'" in missing.stderr


def own_raw(tmp_path, text: str = OWN):
    path = tmp_path / "own.csv"
    path.write_bytes(text.encode("cp1251"))
    return read_table(path)


def test_unmapped_lists_the_unknown_columns_and_words_before_and_none_after(tmp_path):
    raw = own_raw(tmp_path)
    gap = profiles.unmapped(raw)
    assert gap.columns == ("рег. номер", "суд", "вид производства", "поступило (дата)",
                           "окончено (дата)")
    assert gap.values == {}  # no enumerated column is known yet
    half = profiles.apply(raw, profiles.Profile("half", {"Вид производства": "category"}))
    assert profiles.unmapped(half).values == {"category": ("ГПК", "УПК")}
    assert not profiles.unmapped(profiles.apply(raw, PROFILE))
    # Russian words and the codes themselves are known: only the rest is listed.
    mixed = own_raw(tmp_path, "Категория\r\nгражданские\r\ncivil\r\nГПК\r\n\r\n")
    assert profiles.unmapped(mixed) == profiles.Unmapped((), {"category": ("ГПК",)})


def test_best_match_picks_the_profile_mapping_most_names_ties_by_name(tmp_path):
    raw = own_raw(tmp_path)
    small = profiles.Profile("b-small", {"Суд": "court_code"})
    other = profiles.Profile("a-other", {"Номер": "case_id"})
    assert profiles.best_match([small, PROFILE, other], raw) == PROFILE
    assert profiles.best_match([small, other], raw) == small
    assert profiles.best_match([other], raw) is None
    twin = profiles.Profile("a-twin", {"Суд": "court_code"})
    assert profiles.best_match([small, twin], raw) == twin


def test_chooser_adds_the_persons_mapping_on_top_of_the_chosen_profile(tmp_path):
    raw = own_raw(tmp_path)
    small = profiles.Profile("small", {"Суд": "court_code"})
    assert profiles.chooser([small], "none", {}, {})(raw) is None
    assert profiles.chooser([small], "auto", {}, {})(raw) == small
    assert profiles.chooser([small], "missing", {}, {})(raw) is None
    picked = profiles.chooser([small], "auto", {"рег. номер": "case_id", "суд": ""},
                              {"category": {"ГПК": "civil", "УПК": ""}})(raw)
    assert picked == profiles.Profile("small", {"Суд": "court_code", "рег. номер": "case_id"},
                                      {"category": {"ГПК": "civil"}})
    ad_hoc = profiles.chooser([], "none", {"рег. номер": "case_id"}, {})(raw)
    assert ad_hoc.name == "" and profiles.problems(ad_hoc, named=False) == []
    assert profiles.problems(ad_hoc) == [("name", {"limit": profiles.MAX_NAME})]


def test_check_file_reads_with_the_profile_a_chooser_picks(engine, tmp_path):
    from data.ingest.load import check_file

    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        (tmp_path / name).write_text(body, encoding="utf-8")
        assert load_file(engine, tmp_path / name).status == "loaded"
    path = tmp_path / "own.csv"
    path.write_bytes(OWN.encode("cp1251"))
    checked = check_file(engine, path, profile=profiles.chooser([PROFILE], "auto", {}, {}))
    assert checked.report.status == "valid" and checked.profile == PROFILE
    assert check_file(engine, path, profile=profiles.chooser([PROFILE], "none", {}, {})
                      ).report.status == "rejected"


def test_delete_is_audited_and_says_when_there_was_nothing(engine):
    profiles.save_now(engine, PROFILE, "analyst-1", "10.1.2.3")
    assert profiles.delete_now(engine, PROFILE.name, "admin-1", "10.1.2.4")
    assert not profiles.delete_now(engine, PROFILE.name, "admin-1")
    with engine.connect() as conn:
        assert profiles.every(conn) == []
        rows = conn.execute(text("SELECT username, action, address FROM audit_log "
                                 "WHERE action LIKE 'profile%' ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("analyst-1", "profile_saved", "10.1.2.3"),
                                        ("admin-1", "profile_deleted", "10.1.2.4")]
