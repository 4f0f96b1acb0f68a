"""PDF reports of the demo data (issue 14), read back with pypdf: the numbers on the
page are the KPI engine's, written by layouts/format.py, in every language; fonts are
embedded; pages are numbered; a judge's rankings are anonymised; the CLI's exit codes
and the batch of court reports. On SQLite and PostgreSQL; each PDF is made once."""

from __future__ import annotations

import io
import logging
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from cli.kpi import main as kpi_main
from data.accounts.access import Viewer
from data.publish.report_data import ReportError, gather
from data.store import repository
from kpi.analysis import peer_percentile
from kpi.catalogue import CATALOGUE, KPIS
from layouts.format import fmt_number, fmt_value, is_missing
from layouts.i18n import LANGUAGES, t
from layouts.report import build_content, render_content
from layouts.report.content import change_text, outlook_text, status_text
from tests.conftest import DEMO_AS_OF, demo_database

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2025
COURT, REGION = "KZ10-D01", "KZ-75"  # the demo judge's court; Almaty's seven courts
PARTIAL = "KZ15-D02"  # sends aggregate figures only: no median
UNITS = {"national": "KZ", "region": REGION, "court": COURT}
JUDGE = Viewer("judge", "judge", COURT)


# One xdist worker runs this whole module (--dist loadgroup in ./dev): its module-wide
# fixtures are built once, not once per worker.
pytestmark = pytest.mark.xdist_group("report_pdf")


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo(request, tmp_path_factory, demo_templates):
    """The small demo data set, loaded once per database kind for this module."""
    with demo_database(request.param, tmp_path_factory.mktemp("report"), demo_templates,
                       DEMO_AS_OF) as engine:
        yield engine


def _flat(text: str) -> str:
    """Lines joined with spaces, and the no-break spaces that keep a number with its
    unit on one line read as spaces; the narrow no-break space of 1 234,5 is kept."""
    return re.sub(r"[ \n\u00a0]+", " ", text)


def _reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


class Made:
    """A report's content, its PDF and the PDF's text, page by page and flat."""

    def __init__(self, content, pdf: bytes):
        self.content, self.pdf = content, pdf
        self.pages = [page.extract_text().replace("\u00a0", " ") for page in _reader(pdf).pages]
        self.text = _flat("\n".join(self.pages))


@pytest.fixture(scope="module")
def reports(demo):
    """Every level in every language as the system sees it, and a judge's reports."""
    made = {}
    with demo.connect() as conn:
        for level, code in UNITS.items():
            data = gather(conn, level, code, YEAR)
            for lang in LANGUAGES:
                content = build_content(data, lang)
                made[(level, lang)] = Made(content, render_content(content))
        for key, code in (("judge-region", REGION), ("judge-own-region", "KZ-10")):
            content = build_content(gather(conn, "region", code, YEAR, viewer=JUDGE), "en")
            made[key] = Made(content, render_content(content))
        content = build_content(gather(conn, "court", PARTIAL, YEAR), "ru")
        made["partial"] = Made(content, render_content(content))
    return made


def _expected_rows(conn, level: str, code: str, lang: str) -> dict[str, str]:
    """KPI -> its scorecard row as the page must print it, from the engine's values."""
    region = None
    if level == "court":
        courts = repository.courts(conn)
        court = courts[courts["court_code"] == code].iloc[0]
        region = court["region_code"]
        peers = courts[(courts["level"] == court["level"])
                       & (courts["specialization"] == court["specialization"])]["court_code"]
        peer_values = repository.kpi_values(conn, level="court", code=list(peers), year=YEAR,
                                            category="all")
    elif level == "region":
        peer_values = repository.kpi_values(conn, level="region", year=YEAR, category="all")
    codes = [c for c in (code, region, "KZ") if c]
    values = repository.kpi_values(conn, code=codes, year=[YEAR - 1, YEAR], category="all")
    cell = {(r.code, r.year, r.kpi): r for r in values.itertuples()}
    outlook = repository.outlook(conn, code=code, category="all")
    outcomes = dict(zip(outlook["kpi"], outlook["outlook"]))
    rows = {}
    for kpi in CATALOGUE:
        own = cell.get((code, YEAR, kpi.code))
        value = math.nan if own is None else own.value
        target = "—" if own is None or is_missing(own.target) else \
            fmt_value(own.target, kpi.unit, lang) + (" *" if own.illustrative else "")
        before = cell.get((code, YEAR - 1, kpi.code))
        change = value - (math.nan if before is None else before.value)
        parts = [kpi.names[lang], fmt_value(value, kpi.unit, lang), target,
                 status_text("none" if own is None else own.status, value, lang),
                 change_text(change, kpi, lang)]
        if region:
            parts.append(fmt_value(cell[(region, YEAR, kpi.code)].value, kpi.unit, lang))
        if level != "national":
            parts.append(fmt_value(cell[("KZ", YEAR, kpi.code)].value, kpi.unit, lang))
            peers_of = peer_values[peer_values["kpi"] == kpi.code]["value"]
            pct = peer_percentile(peers_of, value, kpi.direction)
            parts.append("" if pct is None else fmt_number(pct, 0, lang))
        parts.append(outlook_text(outcomes.get(kpi.code, "insufficient_data"), lang))
        rows[kpi.code] = " ".join(p for p in parts if p)
    return rows


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("level", list(UNITS))
def test_every_value_on_the_page_is_the_engines(demo, reports, level, lang):
    made = reports[(level, lang)]
    with demo.connect() as conn:
        expected = _expected_rows(conn, level, UNITS[level], lang)
    scorecard = _flat("\n".join(made.pages[:2]))
    for kpi, row in expected.items():
        assert row in scorecard, f"{kpi}: {row!r} not on the scorecard"
    for sentence in made.content.findings:
        assert sentence in made.text
    assert 4 <= len(made.content.findings) <= 8
    assert made.content.title in made.pages[0]
    assert t("report.subtitle", lang, year=YEAR) in made.pages[0]
    assert t("banner.synthetic", lang) in _flat(made.pages[0])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_national_ranking_shows_each_regions_value(demo, reports, lang):
    made = reports[("national", lang)]
    with demo.connect() as conn:
        regions = repository.regions(conn)
        values = repository.kpi_values(conn, level="region", year=YEAR, category="all",
                                       kpi="disposition_time")
    names = dict(zip(regions["region_code"], regions[f"name_{lang}"]))
    kpi = KPIS["disposition_time"]
    for r in values.itertuples():
        line = f"{names[r.code]} {status_text(r.status, r.value, lang)[0]} " \
               f"{fmt_value(r.value, kpi.unit, lang)}"
        assert line in made.text, line


def test_fonts_are_embedded_pages_numbered_and_kazakh_extracted(reports):
    made = reports[("court", "kk")]
    reader = _reader(made.pdf)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor  # the TrueType program is in the file
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert fonts == {"DejaVuSansBook", "DejaVuSansBold"}
    n = len(reader.pages)
    for i, text in enumerate(made.pages, start=1):
        assert t("report.page", "kk", page=i, pages=n) in text
    # Kazakh names came through the embedded font's Unicode map intact.
    assert "Шағымданғандардың ішінен бұзылғаны мен өзгертілгені" in made.text
    assert set("әғқңөұүі") <= set(made.text)
    assert reader.metadata["/Title"] == t("report.title", "kk", unit=made.content.title,
                                          year=YEAR)


def test_no_glyph_is_missing_from_the_font(demo, caplog):
    with demo.connect() as conn:
        content = build_content(gather(conn, "court", COURT, YEAR), "kk")
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        render_content(content)
    assert not [r for r in caplog.records if "missing" in r.getMessage()]


def test_partial_data_is_said_not_printed_as_zero(demo, reports):
    made = reports["partial"]
    kpi = KPIS["median_disposition_days"]
    with demo.connect() as conn:
        values = repository.kpi_values(conn, code=PARTIAL, year=YEAR, category="all",
                                       kpi=kpi.code)
    assert values.empty or values["value"].isna().all()
    no_data = t("empty.no_data", "ru")
    assert f"{kpi.names['ru']} {no_data} " in made.text
    assert t("report.missing.value", "ru", kpi=kpi.names["ru"], year=YEAR,
             reason=t("report.missing.reason.median", "ru")) in made.text
    assert t("report.source_court", "ru", year=YEAR,
             source=t("court.source.caseload", "ru")) in made.text


def test_a_judges_region_report_names_no_other_court(demo, reports):
    with demo.connect() as conn:
        courts = repository.courts(conn)
    almaty = reports["judge-region"]
    others = courts[(courts["region_code"] == REGION)]
    for name in others["name_en"]:
        assert name not in almaty.text
    assert f"Court 1 of {len(others)}" in almaty.text
    assert t("report.ranking.anonymised", "en") in _flat(almaty.text)
    own_region = reports["judge-own-region"]
    own = courts.loc[courts["court_code"] == COURT, "name_en"].iloc[0]
    assert own in own_region.text
    for name in courts[(courts["region_code"] == "KZ-10")
                       & (courts["court_code"] != COURT)]["name_en"]:
        assert name not in own_region.text
    # Staff see the same region's courts by name.
    staff = reports[("region", "en")]
    assert all(name in staff.text for name in others["name_en"])


def test_a_judge_gets_no_report_of_another_court(demo):
    with demo.connect() as conn:
        for code in ("KZ11-D01", "KZ99-NOPE"):
            with pytest.raises(ReportError, match="no court with the code") as err:
                gather(conn, "court", code, YEAR, viewer=JUDGE)
            assert err.value.kind == "unit"
        assert gather(conn, "court", COURT, YEAR, viewer=JUDGE).code == COURT
        with pytest.raises(ReportError, match="no data for 2019"):
            gather(conn, "national", None, 2019)
        with pytest.raises(ReportError, match="no data for KZ-SC in 2025"):
            gather(conn, "court", "KZ-SC", YEAR)  # the Supreme Court sends nothing


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.parametrize("args, code, message", [
    (["--level", "court", "--code", "NOPE"], 1, "no court with the code 'NOPE'"),
    (["--level", "region", "--code", "KZ-00"], 1, "no region with the code 'KZ-00'"),
    (["--level", "national", "--year", "2031"], 1, "no data for 2031"),
    (["--level", "national", "--lang", "de"], 2, "invalid choice: 'de'"),
    (["--level", "court"], 2, "--code is needed at level court"),
    (["--level", "national", "--code", "KZ-75"], 2, "the national report takes no --code"),
    (["--all-courts", "--level", "court"], 2, "no --level or --code"),
    (["--all-courts", "--region", "KZ-00"], 1, "no region with the code 'KZ-00'"),
    (["--level", "national", "--jobs", "2"], 2, "--region and --jobs are for --all-courts"),
    (["--all-courts", "--jobs", "0"], 2, "--jobs is between 1 and 64"),
])
def test_bad_input_is_a_sentence_and_an_exit_code(demo, tmp_path, capsys, args, code, message):
    base = {"--year": str(YEAR), "--lang": "en", "--out": str(tmp_path / "r.pdf"),
            "--db": _url(demo)}
    argv = ["report", *args]
    for flag, value in base.items():
        if flag not in args:
            argv += [flag, value]
    try:
        result = kpi_main(argv)
    except SystemExit as exc:  # argparse's usage errors
        result = exc.code
    assert result == code
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()


def test_the_cli_writes_a_report_and_a_batch_of_courts(demo, tmp_path):
    out = tmp_path / "deep" / "court.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "kpi", "report", "--level", "court", "--code", COURT,
         "--year", str(YEAR), "--lang", "kk", "--out", str(out), "--db", _url(demo)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert "Семей қалалық соты" in PdfReader(out).pages[0].extract_text()
    with demo.connect() as conn:
        courts = repository.courts(conn)
    region = courts.groupby("region_code").size().idxmin()  # the smallest region
    expected = sorted(courts.loc[courts["region_code"] == region, "court_code"])
    folder = tmp_path / "batch"
    assert kpi_main(["report", "--all-courts", "--region", region, "--year", str(YEAR),
                     "--lang", "ru", "--out", str(folder), "--db", _url(demo)]) == 0
    written = sorted(p.name for p in folder.iterdir())
    assert written == [f"court-kpi-{c}-{YEAR}-ru.pdf" for c in expected]
    names = dict(zip(courts["court_code"], courts["name_ru"]))
    for code in expected:
        first = PdfReader(folder / f"court-kpi-{code}-{YEAR}-ru.pdf").pages[0].extract_text()
        assert first.startswith(names[code])
    # The same in two processes.
    twice = tmp_path / "jobs"
    assert kpi_main(["report", "--all-courts", "--region", region, "--year", str(YEAR),
                     "--lang", "ru", "--out", str(twice), "--jobs", "2",
                     "--db", _url(demo)]) == 0
    assert sorted(p.name for p in twice.iterdir()) == written


def test_notes_on_the_figures_are_printed_as_the_reader_may_see_them(demo):
    """Issue 15: a report lists the notes on its unit, region and nation up to its year;
    a note on another court, or after the report year, is not in it."""
    from sqlalchemy import text

    from data.edits import annotations

    writer = Viewer("analyst", "analyst")
    said = {annotations.add(demo, annotations.Note(level, code, year, kpi, words), writer): words
            for level, code, year, kpi, words in (
                ("court", COURT, 2024, "clearance_rate", "Суды № 2 и 3 объединены"),
                ("national", "KZ", 2025, "", "Новый ГПК вступил в силу"),
                ("court", "KZ75-D01", 2025, "", "Not for the judge"),
                ("national", "KZ", 2030, "", "After the report year"))}
    try:
        with demo.connect() as conn:
            court = _flat(" ".join(p.extract_text() for p in _reader(render_content(
                build_content(gather(conn, "court", COURT, YEAR), "ru"))).pages))
            nation = _flat(" ".join(p.extract_text() for p in _reader(render_content(
                build_content(gather(conn, "national", None, YEAR, JUDGE), "en"))).pages))
        assert "Примечания к показателям" in court
        assert "Суды № 2 и 3 объединены" in court and "Новый ГПК вступил в силу" in court
        assert "After the report year" not in court and "Not for the judge" not in court
        assert "Новый ГПК вступил в силу" in nation and "Not for the judge" not in nation
    finally:
        with demo.begin() as conn:
            conn.execute(text("DELETE FROM annotations"))
    assert len(said) == 4


@pytest.mark.parametrize("lang", LANGUAGES)
def test_where_the_gap_is_for_each_kpi_off_target(demo, reports, lang):
    """The national report's "Where the gap is": one line per KPI off target with a
    decomposition, its gap and the courts that make most of it (issue 27)."""
    from kpi.gap import decomposable

    made = reports[("national", lang)]
    with demo.connect() as conn:
        own = repository.kpi_values(conn, level="national", code="KZ", year=YEAR,
                                    category="all")
    red = [k for k in own.loc[own["status"] == "red", "kpi"]
           if decomposable(KPIS[k]) is None]
    assert red, "the demo has a KPI off target"
    assert len(made.content.gaps) == len(red)
    assert t("report.gaps", lang) in made.text
    for code, line in zip(red, made.content.gaps):
        assert line.startswith(KPIS[code].names[lang])
        assert _flat(line)[:60] in made.text


def test_a_judges_national_report_names_no_other_court_in_the_gap(demo):
    with demo.connect() as conn:
        data = gather(conn, "national", None, YEAR, viewer=JUDGE)
        staff = gather(conn, "national", None, YEAR)
    content = build_content(data, "en")
    assert content.gaps and all("Court " in line for line in content.gaps)
    named = {c for g in staff.gaps.values() for c in g.widening()["court_code"].head(5)}
    others = {staff.names[c]["en"] for c in named if c != COURT and c in staff.names}
    assert others and not [n for n in others if any(n in line for line in content.gaps)]
