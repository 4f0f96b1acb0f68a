"""The upload page's pure parts: staging and tokens, job records, issue tables, views."""

from __future__ import annotations

import hashlib
import io
import os
import time

import numpy as np
import pandas as pd
import pytest

from callbacks.upload import (
    example_text,
    filter_issues,
    issue_rows,
    report_frame,
    summarise,
    template_text,
)
from data.ingest import staging
from data.ingest.load import DEFAULT_MAX_BYTES, LoadReport
from data.ingest.readers import read_table
from data.ingest.validate import Context, Issue, detect_kind, validate
from data.store.schema import KINDS, LOAD_ORDER
from kpi.catalogue import KPIS
from layouts import upload_view as V
from layouts.export import to_csv_bytes
from layouts.format import megabytes
from web import background, uploads

# --- staging ---------------------------------------------------------------------------


def test_clean_filename_keeps_the_name_and_drops_paths_and_control_characters():
    assert staging.clean_filename("cases%202025.csv") == "cases 2025.csv"
    assert staging.clean_filename("C:\\Users\\a\\дела.xlsx") == "дела.xlsx"
    assert staging.clean_filename("../../etc/passwd") == "passwd"
    assert staging.clean_filename("a\x00b\nc.csv") == "abc.csv"
    assert staging.clean_filename("") == "upload"
    assert staging.clean_filename(None) == "upload"
    assert len(staging.clean_filename("x" * 500 + ".csv")) == staging.MAX_NAME


def test_stage_streams_to_disk_with_its_hash_and_finds_it_only_for_its_owner(tmp_path):
    body = b"court_code,year\n" * 100_000  # 1.6 MB: several chunks
    staged = staging.stage(io.BytesIO(body), tmp_path, "ann", "f.csv", limit=len(body))
    assert staged.path.read_bytes() == body
    assert staged.size == len(body)
    assert staged.sha256 == hashlib.sha256(body).hexdigest()
    assert staging.find(tmp_path, staged.token, "ann") == staged
    assert staging.find(tmp_path, staged.token, "bob") is None  # another user's token
    assert staging.find(tmp_path, "../" + staged.token, "ann") is None
    assert staging.find(tmp_path, None, "ann") is None
    staging.discard(staged)
    assert staging.find(tmp_path, staged.token, "ann") is None


def test_stage_past_the_limit_keeps_nothing(tmp_path):
    with pytest.raises(staging.TooLarge):
        staging.stage(io.BytesIO(b"x" * 3_000_000), tmp_path, "ann", "big.csv",
                      limit=2_000_000)
    assert list(tmp_path.iterdir()) == []
    exact = staging.stage(io.BytesIO(b"x" * 2_000), tmp_path, "ann", "ok.csv", limit=2_000)
    assert exact.size == 2_000


def test_sweep_removes_old_staged_uploads_only(tmp_path):
    old = staging.stage(io.BytesIO(b"a"), tmp_path, "ann", "a.csv", 10)
    new = staging.stage(io.BytesIO(b"b"), tmp_path, "ann", "b.csv", 10)
    past = time.time() - staging.MAX_AGE_SECONDS - 60
    os.utime(old.folder, (past, past))
    assert staging.sweep(tmp_path) == 1
    assert staging.find(tmp_path, old.token, "ann") is None
    assert staging.find(tmp_path, new.token, "ann") is not None
    assert staging.sweep(tmp_path / "missing") == 0


def test_review_is_kept_next_to_the_file(tmp_path):
    staged = staging.stage(io.BytesIO(b"a"), tmp_path, "ann", "a.csv", 10)
    assert staging.load_review(staged) is None
    staging.save_review(staged, {"errors": [{"line": 2}], "error_count": 1})
    assert staging.load_review(staged)["error_count"] == 1


def test_settings_from_config_then_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("COURT_KPI_UPLOAD_DIR", raising=False)
    assert uploads.staging_root({"INSTANCE": str(tmp_path)}) == tmp_path / "uploads"
    monkeypatch.setenv("COURT_KPI_UPLOAD_DIR", str(tmp_path / "env"))
    assert uploads.staging_root({}) == tmp_path / "env"
    assert uploads.staging_root({"UPLOAD_DIR": "/x"}) == uploads.Path("/x")
    # The limit and its wording live with the page (layouts), which web/uploads enforces.
    assert V.max_upload_bytes({"MAX_UPLOAD_BYTES": 5}) == 5
    assert V.max_upload_bytes({}) == DEFAULT_MAX_BYTES
    assert megabytes(200 * 1024 * 1024) == "200"
    assert megabytes(512 * 1024) == "0.5"


def test_callback_output_ids():
    assert uploads.callback_output_ids("upload-review.children") == ["upload-review"]
    assert uploads.callback_output_ids(
        "..upload-result-data.data...upload-load.disabled@8f2a..") == [
        "upload-result-data", "upload-load"]
    assert uploads.callback_output_ids('{"chart":["MATCH"],"type":"chart-download"}.data') == [
        '{"chart":["MATCH"],"type":"chart-download"}']


# --- background: where work runs, job records -----------------------------------------


def test_redis_url_and_cache_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("COURT_KPI_BACKGROUND", raising=False)
    monkeypatch.delenv("COURT_KPI_CACHE_DIR", raising=False)
    assert background.redis_url({}) is None
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    assert background.redis_url({}) == "redis://127.0.0.1:6379/3"
    monkeypatch.setenv("COURT_KPI_BACKGROUND", "diskcache")
    assert background.redis_url({}) is None
    assert background.cache_dir({"INSTANCE": str(tmp_path)}) == tmp_path / "cache"
    assert background.cache_dir({"CACHE_DIR": str(tmp_path / "c")}) == tmp_path / "c"


class MemoryBackend:
    def __init__(self):
        self.data, self.writes = {}, 0

    def get(self, key):
        return self.data.get(key)

    def set(self, key, value, ttl):
        self.data[key] = value
        self.writes += 1


def test_job_state_tells_a_stopped_heartbeat_from_a_running_load():
    now = time.time()
    assert background.job_state(None) is None
    assert background.job_state({"state": "running", "beat": now - 1}, now) == "running"
    stale = now - background.STALE_SECONDS - 1
    assert background.job_state({"state": "running", "beat": stale}, now) == "interrupted"
    assert background.job_state({"state": "done", "beat": stale}, now) == "done"
    assert background.job_state({"state": "failed"}, now) == "failed"


def test_job_state_sees_at_once_that_the_process_on_this_machine_is_gone():
    import subprocess
    import sys

    now = time.time()
    mine = {"state": "running", "beat": now, **background._this_process()}
    assert background.job_state(mine, now) == "running"
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead = {**mine, "pid": int(ended.stdout)}
    assert background.job_state(dead, now) == "interrupted"
    reused = {**mine, "pid_started": mine["pid_started"] - 3600}  # same pid, older process
    assert background.job_state(reused, now) == "interrupted"
    elsewhere = {**dead, "host": "another-machine"}  # only the heartbeat can tell there
    assert background.job_state(elsewhere, now) == "running"


def test_job_log_records_steps_beats_and_the_end(monkeypatch):
    monkeypatch.setattr(background, "HEARTBEAT_SECONDS", 0.05)
    store = background.JobStore(MemoryBackend())
    with background.JobLog(store, "ann", {"filename": "f.csv"}) as log:
        assert store.get("ann")["state"] == "running"
        log.step("writing", 0.4)
        assert store.get("ann")["step"] == "writing"
        before = store.backend.writes
        time.sleep(0.3)
        assert store.backend.writes > before  # the heartbeat thread writes on its own
        log.finish("done", report={"status": "loaded"})
    record = store.get("ann")
    assert record["state"] == "done" and record["report"] == {"status": "loaded"}
    assert record["filename"] == "f.csv" and record["finished"] >= record["started"]
    assert store.get("bob") is None
    writes = store.backend.writes
    time.sleep(0.2)
    assert store.backend.writes == writes  # the heartbeat stopped with the block


# --- the issue table -------------------------------------------------------------------


REVIEW = {
    "errors": [
        Issue(4, "category", "family", "bad_choice",
              {"column": "category", "value": "family", "choices": "civil, criminal"}).as_dict(),
        Issue(2, "filed_date", "31.02.2025", "bad_date",
              {"column": "filed_date", "value": "31.02.2025"}).as_dict(),
    ],
    "warnings": [Issue(1, "note", None, "extra_column",
                       {"column": "note", "kind": "cases"}).as_dict()],
}


def test_issue_rows_are_translated_errors_first_by_line():
    rows = issue_rows(REVIEW, "ru")
    assert [r["line"] for r in rows] == [2, 4, 1]
    assert [r["kind"] for r in rows] == ["error", "error", "warning"]
    assert rows[0]["severity"] == "ошибка"
    assert "31.02.2025" in rows[0]["message"] and "датой" in rows[0]["message"]


def test_filter_issues_by_severity_and_text():
    rows = issue_rows(REVIEW, "en")
    assert len(filter_issues(rows, None, "all")) == 3
    assert [r["line"] for r in filter_issues(rows, "", "warnings")] == [1]
    assert [r["line"] for r in filter_issues(rows, "FAMILY", "errors")] == [4]
    assert [r["line"] for r in filter_issues(rows, " 2 ", None)] == [2]
    assert filter_issues(rows, "no such thing", "all") == []


def test_report_csv_has_translated_headers_and_neutralised_cells():
    rows = issue_rows({"errors": [Issue(3, "court_code", "=HYPERLINK(1)", "unknown_court",
                                        {"value": "=HYPERLINK(1)"}).as_dict()]}, "kk")
    text = to_csv_bytes(report_frame(rows, "kk")).decode("utf-8-sig")
    header, line = text.splitlines()[:2]
    assert header == "Түрі,Жол,Баған,Мәні,Хабарлама"
    assert line.startswith("қате,3,court_code,'=HYPERLINK(1)")


def test_summarise_keeps_a_small_json_record():
    report = LoadReport("loaded", "f.csv", "cases", upload_id=7, rows=3, inserted=2,
                        replaced=1, kpi_cells=12, courts=["KZ19-D01"], warning_count=60,
                        warnings=[Issue(i, None, None, "balance", {"value": 1, "expected": 2})
                                  for i in range(60)])
    summary = summarise(report)
    assert summary["status"] == "loaded" and summary["upload_id"] == 7
    assert summary["courts"] == ["KZ19-D01"] and summary["kpi_cells"] == 12
    assert summary["warning_count"] == 60 and len(summary["warnings"]) == 50


# --- templates and examples ----------------------------------------------------------


@pytest.mark.parametrize("kind", LOAD_ORDER)
def test_template_is_the_header_of_its_kind(kind):
    header = template_text(kind).strip().split(",")
    assert header == list(KINDS[kind].column_names)
    if kind != "targets":  # a targets header alone fits only targets too, but check all
        assert detect_kind(header)[0] == kind


@pytest.mark.parametrize("kind", LOAD_ORDER)
def test_example_passes_validation_against_the_demo_data(kind):
    from data.demo.loading import _small as _demo

    demo = _demo()
    ctx = Context(region_codes=frozenset(demo["regions"]["region_code"]),
                  court_codes=frozenset(demo["courts"]["court_code"]),
                  kpi_codes=frozenset(KPIS))
    raw = read_table(example_text(kind).encode("utf-8"), filename=f"{kind}.csv")
    result = validate(raw, None, ctx)
    assert result.kind == kind
    assert result.error_count == 0, [i.message for i in result.errors]
    assert 1 <= len(result.frame) <= 5


# --- what the review shows -------------------------------------------------------------


def test_cell_text_shows_values_as_parsed():
    assert V.cell_text(pd.Timestamp("2025-03-14"), "en") == "2025-03-14"
    assert V.cell_text(np.datetime64("2025-03-14"), "ru") == "14.03.2025"
    assert V.cell_text(True, "ru") == "да"
    assert V.cell_text(np.bool_(False), "kk") == "жоқ"
    assert V.cell_text(pd.NA, "en") == V.NONE
    assert V.cell_text(pd.NaT, "en") == V.NONE
    assert V.cell_text(float("nan"), "en") == V.NONE
    assert V.cell_text(np.int64(42), "en") == "42"
    assert V.cell_text(1234.5, "ru") == "1\u202f234,50"
    assert V.cell_text("KZ19-D01", "en") == "KZ19-D01"


def test_preview_rows_of_a_typed_frame():
    frame = pd.DataFrame({
        "filed_date": pd.Series(np.array(["2025-03-01", "NaT"], dtype="datetime64[s]")),
        "e_filed": pd.array([True, None], dtype="boolean"),
        "hearings_total": pd.array([3, None], dtype="Int64"),
    })
    rows = V.preview_rows(frame, np.array([2, 5]), list(frame.columns), "en")
    assert rows == [["2", "2025-03-01", "yes", "3"], ["5", V.NONE, V.NONE, V.NONE]]


def test_detected_rows_name_the_dialect_in_the_readers_language():
    detected = {"format": "csv", "encoding": "cp1251", "delimiter": ";", "rows": 1200,
                "kind": "cases", "date_format": "DD.MM.YYYY"}
    rows = dict(V.detected_rows(detected, "дела.csv", 3 << 20, "ru"))
    assert rows["Кодировка"] == "Windows-1251"
    assert rows["Разделитель"] == "точка с запятой (;)"
    assert rows["Даты"] == "DD.MM.YYYY"
    assert rows["Вид данных"] == "Дела"
    assert rows["Строк данных"] == "1\u202f200"
    assert rows["Размер"] == "3,0 МБ"
    unknown = dict(V.detected_rows({"format": "xlsx", "rows": 3}, "a.xlsx", 2048, "en"))
    assert unknown["Kind of data"] == "not recognised"
    assert unknown["Encoding"] == V.NONE and unknown["Size"] == "2.0 KB"


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize("kind", LOAD_ORDER)
def test_templates_and_examples_in_russian_and_kazakh_round_trip(kind, lang):
    """#19: downloaded in the page's language, filled in, uploaded: read as the English."""
    from data.demo.loading import _small as _demo
    from data.ingest.names import header_name

    template = template_text(kind, lang)
    assert template.startswith("\ufeff") and ";" in template or len(KINDS[kind].columns) == 1
    raw_template = read_table(template.encode("utf-8"), filename=f"{kind}.csv")
    assert raw_template.header == list(KINDS[kind].column_names)
    assert header_name("case_id", lang) in template or kind != "cases"
    demo = _demo()
    ctx = Context(region_codes=frozenset(demo["regions"]["region_code"]),
                  court_codes=frozenset(demo["courts"]["court_code"]),
                  kpi_codes=frozenset(KPIS))
    english = validate(read_table(example_text(kind).encode("utf-8"), filename="e.csv"),
                       None, ctx)
    local = validate(read_table(example_text(kind, lang=lang).encode("utf-8"),
                                filename=f"{kind}-{lang}.csv"), None, ctx)
    assert local.kind == kind and local.error_count == 0, [i.message for i in local.errors]
    pd.testing.assert_frame_equal(local.frame, english.frame)


# --- the as-of date (periods.md "Data freshness") ----------------------------------------


def _texts(component) -> str:
    import json

    import plotly

    return json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


@pytest.mark.parametrize(("lang", "given", "taken", "today"), [
    ("en", "Data as of 2026-09-30.",
     "No as-of date given: the data are taken as of 2026-09-30, the end of the month of the "
     "file's latest date.",
     "No as-of date given: the data are taken as of today, 2026-12-07, as the month of the "
     "file's latest date is not over yet."),
    ("ru", "Данные по состоянию на 30.09.2026.",
     "Дата состояния данных не указана: данные считаются приведёнными по состоянию на "
     "30.09.2026 — последний день месяца самой поздней даты в файле.",
     "Дата состояния данных не указана: данные считаются приведёнными по состоянию на "
     "сегодня, 07.12.2026, так как месяц самой поздней даты в файле ещё не закончился."),
    ("kk", "Деректер 30.09.2026 жағдай бойынша.",
     "Деректердің жағдай күні көрсетілмеген: деректер 30.09.2026 жағдай бойынша деп "
     "алынады — бұл файлдағы ең кейінгі күн кіретін айдың соңғы күні.",
     "Деректердің жағдай күні көрсетілмеген: файлдағы ең кейінгі күн кіретін ай әлі "
     "аяқталмағандықтан, деректер бүгінгі, 07.12.2026 жағдай бойынша деп алынады."),
])
def test_as_of_sentence_given_or_taken_from_the_file(lang, given, taken, today):
    assert V.as_of_sentence("2026-09-30", False, lang) == given
    assert V.as_of_sentence("2026-09-30", True, lang) == taken
    assert V.as_of_sentence("2026-12-07", True, lang) == today
    assert V.as_of_sentence(None, True, lang) is None
    summary = {"status": "valid", "error_count": 0, "warning_count": 0,
               "as_of": "2026-09-30", "as_of_default": False}
    assert given in _texts(V.review_view(summary, [], [], [], lang))
    # Other kinds have none: no sentence.
    assert "upload-as-of-note" not in _texts(V.review_view(
        {**summary, "as_of": None}, [], [], [], lang))


def test_as_of_value_takes_the_date_field_and_refuses_anything_else():
    import datetime as dt

    assert V.as_of_value("2026-09-30") == dt.date(2026, 9, 30)
    assert V.as_of_value("") is None and V.as_of_value(None) is None
    for forged in ("30.09.2026", "2026-02-30", "soon", 5, ["2026-09-30"], {"a": 1}):
        with pytest.raises(ValueError):
            V.as_of_value(forged)
    said = _texts(V.review_view({"status": "bad_as_of", "value": "soon", "error_count": 0,
                                 "warning_count": 0}, [], [], [], "ru"))
    assert "'soon' не является датой" in said


def test_the_as_of_field_is_labelled():
    field = _texts(V.as_of_field("kk"))
    assert '"html_for": "upload-as-of"' in field and '"type": "date"' in field
    assert "Деректер қай күнгі жағдай бойынша" in field


def test_as_of_issues_name_the_days_as_the_language_writes_them():
    from layouts.issues import issue_text

    issue = {"code": "as_of_before_data", "value": "2026-09-01",
             "params": {"value": "2026-09-01", "latest": "2026-09-20"}}
    assert issue_text(issue, "ru") == ("Указано, что данные приведены по состоянию на "
                                       "01.09.2026, но в файле есть более поздняя дата "
                                       "(20.09.2026).")
    grain = {"code": "grain_conflict", "params": {"court": "X", "year": 2025,
                                                  "category": "civil", "held": "year",
                                                  "grain": "quarter", "upload": 4}}
    assert "«год»" in issue_text(grain, "ru") and "«квартал»" in issue_text(grain, "ru")
    assert "held as year rows" in issue_text(grain, "en")
