"""The half-yearly and quarterly monitoring report (issue 26) and the report tables'
value-wrap fix, read back from the PDFs by the position of each piece of text.

Demo data extracted on 2026-10-15 (complete through September 2026, so 2026 is the year
in progress), on SQLite and PostgreSQL. Every number of a monitoring row is compared
with what ``python -m kpi values --period`` and ``python -m kpi yearend`` print; every
value of a report table must be one piece of text on the first line of its KPI's name
(never broken over two lines, never on a line of its own above the name)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

import pytest
from pypdf import PdfReader

from cli.kpi import main as kpi_main
from data.accounts.access import SYSTEM, Viewer
from data.edits import annotations
from data.publish import monitoring
from data.publish.report_data import gather
from data.scoped.reads import ScopedReads
from kpi.catalogue import CATALOGUE, KPIS
from kpi.periods import FORMS, YEARLY_ONLY
from layouts.format import fmt_value
from layouts.i18n import LANGUAGES, t
from layouts.report import build_content, build_monitoring, render_content, render_monitoring
from layouts.report.content import kpi_name, status_text
from layouts.report.pdf import CELL_PAD, MARGIN
from tests.conftest import demo_database

AS_OF = dt.date(2026, 10, 15)
REGION = "KZ-75"
COURT = "KZ10-D01"
MM = 72 / 25.4  # points per millimetre


# One xdist worker runs this whole module (--dist loadgroup in ./dev): its module-wide
# fixtures are built once, not once per worker.
pytestmark = pytest.mark.xdist_group("report_monitoring")


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo(request, tmp_path_factory, demo_templates):
    """The small demo data set as extracted on 2026-10-15, once per database kind."""
    with demo_database(request.param, tmp_path_factory.mktemp("monitoring"), demo_templates,
                       AS_OF) as engine:
        yield engine


# --- reading a PDF back by position --------------------------------------------------------

def lines(pdf: bytes) -> list[list[tuple[float, str]]]:
    """Every line of text on every page: its pieces (x in points, text) left to right.
    A piece is what the PDF writes in one go: one line of one table cell."""
    out: list[list[tuple[float, str]]] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        found: dict[float, list[tuple[float, str]]] = {}

        def visit(text, cm, tm, font, size, found=found):
            text = text.replace("\u00a0", " ").strip()
            if text:
                y = round(tm[5] * cm[3] + cm[5], 1)
                found.setdefault(y, []).append((tm[4] * cm[0] + cm[4], text))

        page.extract_text(visitor_text=visit)
        out += [sorted(found[y]) for y in sorted(found, reverse=True)]
    return out


def table_row(pdf_lines, name: str) -> list[str]:
    """The texts on the line where the table's first column starts ``name``: a line
    with more than the name (not a definition's heading, nor a pillar's row "Trust"
    where the row of "Trust in courts" is meant)."""
    left = (MARGIN + CELL_PAD[3]) * MM
    found = [line for line in pdf_lines if abs(line[0][0] - left) < 1.5
             and name.startswith(line[0][1]) and len(line) > 1]
    if not found:
        raise AssertionError(f"no table row starts with {name!r}")
    return [text for _, text in max(found, key=lambda line: len(line[0][1]))]


def one_line(pdf_lines, name: str, value: str) -> None:
    """``value`` is one piece on the first line of ``name``'s row, and nowhere broken."""
    value = value.replace("\u00a0", " ")
    row = table_row(pdf_lines, name)
    assert value in row, f"{name}: {value!r} not on its line {row}"


# --- the engine's numbers, as the command line prints them ------------------------------

def cli_rows(capsys, *argv: str) -> list[dict]:
    capsys.readouterr()
    assert kpi_main(list(argv)) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def number(text: str) -> float:
    return math.nan if text == "" else float(text)


@pytest.fixture(scope="module")
def made(demo):
    """National 2026-H1 and Almaty 2025-Q3 (a year that is over) in every language, with
    a note explaining one KPI off target."""
    reads = ScopedReads(demo)
    data = monitoring.gather(reads, SYSTEM, "national", None, "2026-H1")
    red = [r.kpi for r in data.rows.itertuples() if r.status == "red"]
    assert len(red) >= 2, "the demo's first half of 2026 has KPIs off target"
    note = annotations.Note("national", "KZ", 2026, red[0], "Two courts merged in March.")
    annotations.add(demo, note, Viewer("analyst", "analyst"))
    year_note = annotations.Note("national", "KZ", 2026, "", "A new case system from May.")
    annotations.add(demo, year_note, Viewer("analyst", "analyst"))
    out = {"red": red}
    for lang in LANGUAGES:
        for key, level, code, period in (("nation", "national", None, "2026-H1"),
                                         ("region", "region", REGION, "2025-Q3")):
            content = build_monitoring(monitoring.gather(reads, SYSTEM, level, code, period),
                                       lang)
            pdf = render_monitoring(content)
            out[(key, lang)] = (content, pdf, lines(pdf))
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_row_is_the_engines_period_last_year_and_year_end(demo, made, capsys, lang):
    url = demo.url.render_as_string(hide_password=False)
    now = {r["kpi"]: r for r in cli_rows(capsys, "values", "--db", url, "--level", "national",
                                         "--category", "all", "--period", "2026-H1")}
    before = {r["kpi"]: r for r in cli_rows(capsys, "values", "--db", url, "--level",
                                            "national", "--category", "all", "--period",
                                            "2025-H1")}
    ahead = {r["kpi"]: r for r in cli_rows(capsys, "yearend", "--db", url, "--level",
                                           "national", "--category", "all", "--format",
                                           "csv")}
    assert ahead[CATALOGUE[0].code]["months"] == "9"
    content, _, pdf_lines = made[("nation", lang)]
    checked = 0
    for kpi in CATALOGUE:
        name = kpi_name(kpi, lang)
        if kpi.code in YEARLY_ONLY:
            assert t("monitoring.yearly_only", lang) in table_row(pdf_lines, name)
            continue
        cell = now[kpi.code]
        value = number(cell["value"])
        one_line(pdf_lines, name, fmt_value(value, kpi.unit, lang))
        one_line(pdf_lines, name, fmt_value(number(before[kpi.code]["value"]), kpi.unit, lang))
        projected = fmt_value(number(ahead[kpi.code]["projected"]), kpi.unit, lang)
        row = " ".join(table_row(pdf_lines, name)).replace("\u00a0", " ")
        assert projected.replace("\u00a0", " ") in row
        one_line(pdf_lines, name, status_text(cell["status"], value, lang))
        if cell["target"]:
            target = fmt_value(number(cell["target"]), kpi.unit, lang)
            assert target.replace("\u00a0", " ") in row
        checked += 1
    assert checked == len(CATALOGUE) - len(YEARLY_ONLY)
    assert content.filename == f"court-kpi-KZ-2026-H1-{lang}.pdf"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_deviations_are_explained_by_the_notes_or_said_to_be_unexplained(made, lang):
    content, pdf, pdf_lines = made[("nation", lang)]
    first, *others = made["red"]
    text = " ".join(piece for line in pdf_lines for _, piece in line)
    cells = {k: row[-1] for k, row in zip(content.kpis, content.rows) if k}

    def explained(kpi: str, words: str) -> None:
        # The explanation starts on its KPI's line (it may wrap: it is text, not a value).
        last = table_row(pdf_lines, kpi_name(KPIS[kpi], lang))[-1]
        assert cells[kpi] == words and len(last) > 3 and words.startswith(last), (kpi, last)

    explained(first, "Two courts merged in March.")
    for kpi in others:
        explained(kpi, t("monitoring.no_explanation", lang))
    assert "A new case system from May." in text  # a note on the whole year, below
    assert t("monitoring.year_notes", lang, year=2026) in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_period_of_a_year_that_is_over_shows_the_years_own_value(demo, made, capsys, lang):
    url = demo.url.render_as_string(hide_password=False)
    year = {r["kpi"]: r for r in cli_rows(capsys, "values", "--db", url, "--level", "region",
                                          "--code", REGION, "--category", "all", "--year",
                                          "2025")}
    quarter = {r["kpi"]: r for r in cli_rows(capsys, "values", "--db", url, "--level",
                                             "region", "--code", REGION, "--category", "all",
                                             "--period", "2025-Q3")}
    content, _, pdf_lines = made[("region", lang)]
    assert t("monitoring.col.actual", lang, year=2025) in content.header
    for kpi in CATALOGUE:
        name = kpi_name(kpi, lang)
        row = " ".join(table_row(pdf_lines, name))
        assert fmt_value(number(year[kpi.code]["value"]), kpi.unit, lang) \
            .replace("\u00a0", " ") in row
        if kpi.code not in YEARLY_ONLY:
            one_line(pdf_lines, name,
                     fmt_value(number(quarter[kpi.code]["value"]), kpi.unit, lang))


# --- the wrap fix: large values and long names in the annual scorecard --------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_value_of_the_scorecard_wraps(demo, lang):
    """A court's cost per case of 7,047,891 ₸ (and so a change of millions) beside the
    long Russian and Kazakh KPI names: every value on one line with its KPI's name."""
    with demo.connect() as conn:
        data = gather(conn, "court", COURT, 2025)
    values = data.values
    mine = (values["kpi"] == "cost_per_case") & (values["code"] == COURT) \
        & (values["year"] == 2025)
    assert mine.sum() == 1
    values.loc[mine, "value"] = 7_047_891.0
    content = build_content(data, lang)
    pdf_lines = lines(render_content(content))
    assert fmt_value(7_047_891.0, "KZT", lang) in [r[1] for r in content.scorecard.rows
                                                    if len(r) > 1]
    for row, kind in zip(content.scorecard.rows, content.scorecard.kinds):
        if kind != "kpi":
            continue
        for value in row[1:]:
            if value:
                one_line(pdf_lines, row[0], value)
    # The header wraps between words, never inside one.
    words = {w for head in content.scorecard.header for w in head.split()}
    pieces = {p for line in pdf_lines for _, text in line for p in text.split()}
    assert {w for w in words if len(w) > 3} <= pieces


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("period", ["2026-Q5", "2026-13", "2026-Q4", "2026-H2", "2026",
                                    "R12-2026-10"])
def test_a_malformed_or_impossible_period_is_refused_with_the_accepted_forms(
        demo, capsys, tmp_path, period):
    url = demo.url.render_as_string(hide_password=False)
    out = tmp_path / "r.pdf"
    argv = ["report", "--db", url, "--level", "national", "--period", period, "--lang", "en",
            "--out", str(out)]
    try:
        code = kpi_main(argv)
    except SystemExit as exc:  # argparse refuses a malformed code itself
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert FORMS[1:] in err and "Traceback" not in err  # "A period is one of: ..."
    assert not out.exists()


def test_the_cli_writes_the_monitoring_report_and_the_annual_one_for_a_year(
        demo, capsys, tmp_path):
    url = demo.url.render_as_string(hide_password=False)
    for period, title in (("2026-Q2", "Q2 2026"), ("2025", "Court performance report for 2025")):
        out = tmp_path / f"{period}.pdf"
        assert kpi_main(["report", "--db", url, "--level", "region", "--code", REGION,
                         "--period", period, "--lang", "en", "--out", str(out)]) == 0
        text = " ".join(p.extract_text() for p in PdfReader(out).pages).replace("\u00a0", " ")
        assert title in text
    assert kpi_main(["report", "--db", url, "--level", "court", "--code", "KZ99-D99",
                     "--period", "2026-Q2", "--lang", "en", "--out",
                     str(tmp_path / "x.pdf")]) == 1
    assert "no court with the code" in capsys.readouterr().err
