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


# --- a profile maps only what the product does not know; limits (security item 6) -----------


@pytest.mark.parametrize("bad, says", [
    (profiles.Profile("p", {}, {"category": {"civil": "criminal"}}),
     "'civil' is already a code of 'category'; a profile maps only words the product "
     "does not know"),
    (profiles.Profile("p", {}, {"category": {" CIVIL ": "criminal"}}),
     "is already a code of 'category'"),
    (profiles.Profile("p", {}, {"category": {"Гражданские дела": "criminal"}}),
     "'Гражданские дела' is already read as 'civil' in 'category'; a profile maps only "
     "words"),
    (profiles.Profile("p", {}, {"level": {"районный": "district"}}),
     "'районный' is already read as 'district' in 'level'"),
])
def test_a_word_the_product_knows_is_refused(bad, says):
    with pytest.raises(profiles.ProfileError, match=says) as refused:
        profiles.check(bad)
    assert refused.value.problems[0][0] in ("known_code", "known_word")


@pytest.mark.parametrize("header, known", [
    ("case_id", "case_id"), ("Case ID", "case_id"), ("Номер дела", "case_id"),
    ("іс нөмірі:", "case_id"), ("Категория", "category"),
])
def test_a_header_the_product_knows_is_refused(header, known):
    bad = profiles.Profile("p", {header: "court_code"})
    with pytest.raises(profiles.ProfileError,
                       match=f"is already read as the column '{known}'; a profile maps only"):
        profiles.check(bad)


def test_json_with_a_known_code_is_refused():
    text = json.dumps({"name": "p", "values": {"category": {"civil": "criminal"}}})
    with pytest.raises(profiles.ProfileError, match="already a code of 'category'"):
        profiles.from_json(text)


# A profile stored before the rule: it maps a court's own header (so "auto" picks it for
# a file with that header) and, on top, a valid code to another one.
LEGACY = profiles.Profile("legacy", {"Суд": "court_code"},
                          {"category": {"civil": "criminal"}})


def test_best_match_never_picks_a_profile_the_rules_refuse(tmp_path):
    raw = own_raw(tmp_path, "Рег. номер;Суд;Категория\r\n1;A;civil\r\n")
    assert profiles.best_match([LEGACY], raw) is None
    assert profiles.chooser([LEGACY], "auto", {}, {})(raw) is None


def store_raw(engine, profile: profiles.Profile) -> None:
    """A row as the code before the rules wrote it (no check)."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO import_profiles (name, body, saved_by, saved_at) "
                          "VALUES (:n, :b, 'old', 0)"),
                     {"n": profile.name, "b": profiles.to_json(profile)})


def test_a_stored_profile_the_rules_refuse_is_listed_but_never_used(engine):
    store_raw(engine, LEGACY)
    profiles.save_now(engine, PROFILE, "analyst-1")
    with engine.connect() as conn:
        assert [n for n, _, _ in profiles.listing(conn)] == ["legacy", PROFILE.name]
        assert profiles.every(conn) == [PROFILE]  # the refused one is left out, no crash
        assert profiles.get(conn, "legacy") is None
        why = profiles.refusal(conn, "legacy")
        assert profiles.refusal(conn, PROFILE.name) is None
        assert profiles.refusal(conn, "nope") is None
    assert "the stored profile 'legacy' cannot be used any more" in str(why)
    assert "'civil' is already a code of 'category'" in str(why)
    assert why.problems == [("known_code", {"word": "civil", "column": "category"})]
    assert profiles.delete_now(engine, "legacy", "admin-1")


def _words(n: int, start: int = 0) -> dict[str, str]:
    return {f"слово {i}": "civil" for i in range(start, start + n)}


@pytest.mark.parametrize("bad, says", [
    (profiles.Profile("p", {"Ж" * 1_000_000: "case_id"}),
     f"'{'Ж' * 40}…' is longer than {profiles.MAX_TEXT} characters"),
    (profiles.Profile("p", {"A": "x" * 201}), "is longer than 200 characters"),
    (profiles.Profile("p", {}, {"category": {"w" * 201: "civil"}}), "longer than 200"),
    (profiles.Profile("p", {}, {"category": {"w": "c" * 201}}), "longer than 200"),
    (profiles.Profile("p", {}, {"c" * 201: {"w": "civil"}}), "longer than 200"),
    (profiles.Profile("p", {f"колонка {i}": "case_id" for i in range(501)}),
     "a profile maps at most 500 columns"),
    (profiles.Profile("p", {}, {"category": _words(1001)}),
     "a profile maps at most 1000 words of 'category'"),
    (profiles.Profile("p", {}, {"category": _words(300_000)}),
     "a profile maps at most 1000 words of 'category'.*at most 2000 words in all"),
    (profiles.Profile("p", {}, {"category": _words(1000), "level": _words(1000, 1000),
                                "specialization": _words(1, 2000)}),
     "a profile maps at most 2000 words in all"),
])
def test_each_limit_is_refused_with_a_short_sentence(bad, says):
    with pytest.raises(profiles.ProfileError, match=says) as refused:
        profiles.check(bad)
    assert len(str(refused.value)) < 2000  # never the whole of what was sent


def test_a_profile_within_the_counts_but_too_big_as_json_is_refused():
    long = "Ж" * 190
    big = profiles.Profile("p", {}, {
        "category": {f"{long}{i}": "civil" for i in range(1000)},
        "level": {f"{long}{i}": "district" for i in range(1000)}})
    assert len(profiles.to_json(big).encode()) > profiles.MAX_JSON_BYTES
    with pytest.raises(profiles.ProfileError, match="a profile is at most 256 KB as JSON"):
        profiles.check(big)


@pytest.mark.parametrize("junk, says", [
    ("[" * 100_000 + "]" * 100_000, "a profile is an object with a name"),
    ('{"name": "x", "columns": ' * 5_000 + "{}" + "}" * 5_000, "a profile is an object"),
    ('{"name": "x", "values": {"category": {"ГПК": {"deeper": "civil"}}}}',
     "a profile is an object"),
    ('{"name": "x", "columns": {"A": 5}}', "a profile is an object"),
    ('{"name": "x", "columns": {"A": ["case_id"]}}', "a profile is an object"),
    ('{"name": "x", "other": [[[[[]]]]]}', "a profile is an object"),
    ('{"name": "x", "columns": {"A": "case_id"}' + " " * (256 * 1024) + "}",
     "a profile is at most 256 KB as JSON"),
    ('{"name": "' + "Ж" * (140 * 1024) + '"}', "a profile is at most 256 KB as JSON"),
])
def test_nested_odd_or_oversized_json_is_refused_never_recursion_or_key_errors(junk, says):
    with pytest.raises(profiles.ProfileError, match=says):
        profiles.from_json(junk)


def test_from_file_reads_no_more_than_the_limit(tmp_path):
    path = tmp_path / "huge.json"
    path.write_bytes(b'{"name": "x", "columns": {' + b" " * 5_000_000 + b"}}")
    with pytest.raises(profiles.ProfileError, match="at most 256 KB"):
        profiles.from_file(path)
    path.write_bytes(b"\xef\xbb\xbf" + profiles.to_json(PROFILE).encode())
    assert profiles.from_file(path) == PROFILE
    path.write_bytes(b'{"name": "\xff"}')
    with pytest.raises(profiles.ProfileError, match="not UTF-8"):
        profiles.from_file(path)


CLASH = ("case_id;Рег. номер;court_code;category;filed_date\r\n"
         "1;11;A;civil;2024-01-10\r\n2;12;A;criminal;2024-03-01\r\n")


def test_a_header_mapped_onto_a_field_the_file_has_is_refused_when_applied(engine, tmp_path):
    profile = profiles.Profile("clash", {"Рег. номер": "case_id"})
    assert profiles.problems(profile) == []  # a fine profile: the file makes the clash
    raw = profiles.apply(own_raw(tmp_path, CLASH), profile)
    assert raw.duplicate_columns == ["case_id"]
    assert list(raw.frame.columns).count("case_id") == 1  # the first kept, as the reader
    assert list(raw.frame["case_id"]) == ["1", "2"]
    report = load_file(engine, tmp_path / "own.csv", profile=profile)
    assert report.status == "rejected"
    assert (report.errors[0].code, report.errors[0].message) == (
        "duplicate_column", "The column 'case_id' appears more than once in the header.")


def test_cli_refuses_oversized_nested_and_known_code_profiles_storing_nothing(db_url,
                                                                           tmp_path):
    files = {
        "huge.json": json.dumps({"name": "huge", "values": {"category": _words(300_000)}},
                                ensure_ascii=False),
        "header.json": json.dumps({"name": "header", "columns": {"Ж" * 1_000_000: "case_id"}}),
        "nested.json": "[" * 100_000 + "]" * 100_000,
        "known.json": json.dumps({"name": "known", "columns": {"Суд": "court_code"},
                                  "values": {"category": {"civil": "criminal"}}}),
    }
    says = {"huge.json": "at most 256 KB", "header.json": "at most 256 KB",
            "nested.json": "a profile is an object with a name",
            "known.json": "'civil' is already a code of 'category'"}
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
        refused = run("data", "profile", "import", str(tmp_path / name), "--db", db_url)
        assert refused.returncode == 1, (name, refused.stdout, refused.stderr[-500:])
        assert says[name] in refused.stderr and "Traceback" not in refused.stderr, name
        assert len(refused.stderr) < 2000
    listed = run("data", "profile", "list", "--db", db_url)
    assert listed.returncode == 0 and "No import profiles yet." in listed.stdout


def test_cli_says_why_a_stored_profile_is_refused_and_load_refuses_a_clash(engine, db_url,
                                                                          tmp_path):
    store_raw(engine, LEGACY)
    listed = run("data", "profile", "list", "--db", db_url)
    assert listed.returncode == 0 and "legacy\tsaved by old" in listed.stdout
    assert "cannot be used" in listed.stdout and "already a code of 'category'" in listed.stdout
    shown = run("data", "profile", "show", "legacy", "--db", db_url)
    assert shown.returncode == 1 and "Traceback" not in shown.stderr
    assert "the stored profile 'legacy' cannot be used any more" in shown.stderr
    # `data load --profile` with a header mapped onto a field the file already has
    profiles.save_now(engine, profiles.Profile("clash", {"Рег. номер": "case_id"}), "ana")
    (tmp_path / "clash.csv").write_text(CLASH, encoding="utf-8")
    loaded = run("data", "load", str(tmp_path / "clash.csv"), "--profile", "clash",
                 "--db", db_url)
    assert loaded.returncode == 1, loaded.stdout + loaded.stderr
    assert "The column 'case_id' appears more than once" in loaded.stdout
    assert "nothing was written" in loaded.stdout
