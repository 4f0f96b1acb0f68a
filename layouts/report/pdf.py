"""The report as an A4 PDF (fpdf2): title block, key findings, scorecard, case flow,
every KPI's trend, rankings, definitions and notes on missing data, page numbers.

The font is DejaVu Sans as matplotlib ships it (``mpl-data/fonts/ttf``): every
Kazakh letter (ә ғ қ ң ө ұ ү һ і), the narrow no-break space of ``1 234,5`` and the
status icons; fpdf2 embeds the subset the document uses. Nothing is downloaded and no
browser runs.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import matplotlib
from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode
from fpdf.util import Padding

from data.publish.report_data import ReportData
from layouts.figures import NATIONAL_COLOR, STATUS_COLORS
from layouts.i18n import t
from layouts.report import charts
from layouts.report.content import RankingPanel, ReportContent, build_content
from layouts.report.monitoring import NOTES_COL, STATUS_COL, MonitoringContent

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FILES = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
FAMILY = "DejaVuSans"
MARGIN = 12.0
PAGE_W = 210.0
BODY_W = PAGE_W - 2 * MARGIN
# Status words in the colours of the pages' badges (assets/app.css: dark enough to read
# on white); bars keep the charts' status colours.
BADGE_COLORS = {"green": "#006b4f", "amber": "#8a5a00", "red": "#a33f00"}
OUTLOOK_COLORS = {"on_track": BADGE_COLORS["green"], "uncertain": BADGE_COLORS["amber"],
                  "off_track": BADGE_COLORS["red"]}
NOTICE_FILL = (255, 243, 205)
NOTICE_LINE = (230, 159, 0)
HEAD_FILL = (236, 240, 245)
PILLAR_FILL = (246, 247, 249)
TEXT = (34, 34, 34)
MUTED = (100, 100, 100)
ROW_H = 3.1  # a ranking row, mm, at most
MIN_ROW_H = 2.4  # and at least (the labels are 6.2 pt, 2.2 mm)
PAGE_ROOM = 297.0 - MARGIN - 15.0 - 8.0  # a page's room for panels, less some air
LABEL_MAX_W = 44.0  # a ranking's labels up to this width: two panels side by side
TRENDS_MIN_H = 178.0  # the 18 trends in less than this would be too small to read


KEEP_TOGETHER = re.compile(r"(?<=[\d%]) (?=[^\s\d•—–-])")


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


class _Document(FPDF):
    def __init__(self, content: ReportContent | MonitoringContent, doc_title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.content = content
        for style, path in FONT_FILES.items():
            self.add_font(FAMILY, style, str(path))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=15)
        self.set_lang(content.lang)
        self.set_title(doc_title)
        self.set_author("Court KPI")
        self.set_creator("Court KPI")
        self.set_text_color(*TEXT)

    def normalize_text(self, text: str) -> str:
        # A number stays on one line with what follows it (its unit, "%", "*"): a
        # no-break space where the pages' formats put a space after a digit.
        return super().normalize_text(KEEP_TOGETHER.sub("\u00a0", text))

    def line_count(self, width: float, height: float, text: str) -> int:
        """How many lines ``text`` takes in ``width``, in the current font."""
        lines = self.multi_cell(width, height, text, dry_run=True, output="LINES")
        # output="LINES" returns a list[str]; fpdf2 annotates the union of every output.
        return len(lines)  # type: ignore[arg-type]

    def footer(self):
        self.set_y(-11)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(*MUTED)
        # A long court name gives way; the synthetic-data mark stays on every page.
        mark = " · " + t("report.synthetic_short", self.content.lang) \
            if self.content.notice else ""
        room = BODY_W * 0.78 - 2 - self.get_string_width(mark)
        self.cell(BODY_W * 0.78, 5, _fit(self, self.content.footer, room) + mark, align="L")
        self.cell(BODY_W * 0.22, 5, t("report.page", self.content.lang, page=self.page_no(),
                                     pages=self.str_alias_nb_pages), align="R")
        self.set_text_color(*TEXT)

    def room(self) -> float:
        return self.h - self.b_margin - self.get_y()

    def heading(self, text: str, need: float = 30.0) -> None:
        if self.room() < need:
            self.add_page()
        self.ln(2)
        self.set_font(FAMILY, "B", 11.5)
        self.multi_cell(BODY_W, 6, text, new_x="LMARGIN", new_y="NEXT", align="L")
        self.set_draw_color(190, 190, 190)
        self.set_line_width(0.2)
        self.line(MARGIN, self.get_y(), PAGE_W - MARGIN, self.get_y())
        self.ln(1.5)


def _title_block(pdf: _Document, c: ReportContent | MonitoringContent) -> None:
    pdf.set_font(FAMILY, "B", 17)
    pdf.multi_cell(BODY_W, 8, c.title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(FAMILY, "", 11)
    pdf.multi_cell(BODY_W, 6, c.subtitle, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1)
    pdf.set_font(FAMILY, "", 8)
    pdf.set_text_color(*MUTED)
    for line in c.details:
        pdf.multi_cell(BODY_W, 4, line, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(*TEXT)
    if c.notice:
        pdf.ln(2)
        pdf.set_fill_color(*NOTICE_FILL)
        pdf.set_draw_color(*NOTICE_LINE)
        pdf.set_font(FAMILY, "B", 8.5)
        pdf.multi_cell(BODY_W, 5, c.notice, border=1, fill=True, padding=Padding.new(1.5),
                       new_x="LMARGIN", new_y="NEXT", align="L")


def _findings(pdf: _Document, c: ReportContent) -> None:
    _bullets(pdf, t("report.findings", c.lang), c.findings, size=9, line=4.6, gap=0.6)


# A report table's cells: 0.8 mm above and below, 1 mm left and right (fpdf2's padding).
CELL_PAD = (0.8, 1.0, 0.8, 1.0)
TABLE_PT = 6.8  # the body of a report table, points, as large as the page allows
MIN_TABLE_PT = 5.4  # and no smaller
HEAD_PT = 6.4  # its header row
MIN_NAME_W = 30.0  # the KPI name column wraps its words, but not narrower than this


def _widest(pdf: _Document, texts: list[str], style: str, size: float) -> float:
    """The widest of ``texts`` on one line in DejaVu Sans ``style`` at ``size`` points,
    as the document writes it (no-break spaces and all)."""
    pdf.set_font(FAMILY, style, size)
    return max((pdf.get_string_width(pdf.normalize_text(x)) for x in texts), default=0.0)


def column_widths(pdf: _Document, header: list[str], rows: list[list[str]],
                  bold: set[int], wrap: set[int], scale: float = 1.0) -> list[float] | None:
    """Millimetre widths of a report table's columns, measured so that no cell of a
    column outside ``wrap`` ever breaks: each is as wide as its widest cell (in bold for
    the columns in ``bold``) and as its header's longest word; the ``wrap`` columns
    (names, explanations) share what is left, in proportion to their widest cell. None
    when the values do not fit at this size (``scale`` of the table's fonts)."""
    slack = CELL_PAD[1] + CELL_PAD[3] + 0.6  # fpdf2 breaks a line that fills the cell exactly
    need: list[float] = []
    for i, head in enumerate(header):
        cells = [r[i] for r in rows if len(r) == len(header)]
        words = head.split()
        # A header wraps between its words, never inside one.
        head_w = _widest(pdf, words, "B", HEAD_PT * scale)
        if i in wrap:
            need.append(max(head_w, MIN_NAME_W if i == 0 else head_w))
            continue
        need.append(max(head_w, _widest(pdf, cells, "B" if i in bold else "", TABLE_PT * scale))
                    + slack)
    fixed = sum(w for i, w in enumerate(need) if i not in wrap)
    room = BODY_W - fixed - sum(need[i] for i in wrap)
    if room < 0:
        return None
    # What is left goes to the wrapping columns, by how much text they hold.
    want = {i: _widest(pdf, [r[i] for r in rows if len(r) == len(header)], "", TABLE_PT * scale)
            for i in wrap}
    total = sum(want.values()) or 1.0
    return [w + (room * want[i] / total if i in wrap else 0.0) for i, w in enumerate(need)]


def sized_table(pdf: _Document, header: list[str], rows: list[list[str]], bold: set[int],
                wrap: set[int]) -> tuple[list[float], float]:
    """(column widths, font scale) of a table whose values all stay on one line: the
    table's fonts shrink in steps to MIN_TABLE_PT before a value would wrap."""
    scale = 1.0
    while True:
        widths = column_widths(pdf, header, rows, bold, wrap, scale)
        if widths is not None:
            return widths, scale
        if TABLE_PT * scale <= MIN_TABLE_PT:
            # Cannot happen with the catalogue's units; the names give way first.
            return column_widths(pdf, header, rows, bold, set(), scale) or \
                [BODY_W / len(header)] * len(header), scale
        scale = round(scale - 0.04, 2)


def _scorecard(pdf: _Document, c: ReportContent) -> None:
    pdf.heading(t("report.scorecard", c.lang), need=40)
    table = c.scorecard
    status_col = 3
    cells = [r for r, kind in zip(table.rows, table.kinds) if kind == "kpi"]
    widths, scale = sized_table(pdf, table.header, cells, bold={1, status_col}, wrap={0})
    head, pillar_face = _table_faces(pdf, scale)
    with pdf.table(col_widths=widths, width=BODY_W, line_height=3.1 * scale,
                   text_align=("LEFT",) + ("RIGHT",) * 2 + ("LEFT",) * (len(table.header) - 3),
                   headings_style=head, padding=CELL_PAD, repeat_headings=1,
                   # Each value on the first line of its KPI's name, not between two.
                   v_align="TOP", borders_layout="HORIZONTAL_LINES",
                   cell_fill_mode=TableCellFillMode.NONE) as grid:
        header = grid.row()
        for label in table.header:
            header.cell(label, align="LEFT")
        for row_cells, kind, status, outlook in zip(table.rows, table.kinds, table.statuses,
                                                    table.outlooks):
            row = grid.row()
            if kind == "pillar":
                row.cell(row_cells[0], colspan=len(table.header), style=pillar_face,
                         align="LEFT")
                continue
            for i, text in enumerate(row_cells):
                style = None
                if i == status_col and status in ("green", "amber", "red"):
                    style = FontFace(color=_rgb(BADGE_COLORS[status]), emphasis="BOLD")
                elif i == len(row_cells) - 1 and outlook in OUTLOOK_COLORS:
                    style = FontFace(color=_rgb(OUTLOOK_COLORS[outlook]))
                elif i == 1:
                    style = FontFace(emphasis="BOLD")
                row.cell(text, style=style)
    _legend(pdf, c.legend)


def _image(pdf: _Document, png: bytes, height: float, title: str) -> None:
    pdf.image(io.BytesIO(png), x=MARGIN, y=pdf.get_y(), w=BODY_W, h=height, alt_text=title)
    pdf.set_y(pdf.get_y() + height + 1)


def _case_flow(pdf: _Document, c: ReportContent) -> None:
    height = 68.0
    pdf.heading(c.flow_title, need=height + 14)
    png = charts.case_flow_png(c.flow, c.flow_labels, c.lang, BODY_W, height)
    if png is None:
        pdf.set_font(FAMILY, "", 9)
        pdf.multi_cell(BODY_W, 5, t("empty.no_data", c.lang), new_x="LMARGIN", new_y="NEXT",
                       align="L")
        return
    _image(pdf, png, height, c.flow_title)


def _trends(pdf: _Document, c: ReportContent) -> None:
    # After the case flow when most of a page is left, else on a page of its own.
    pdf.heading(c.trends_title, need=TRENDS_MIN_H + 12)
    height = min(236.0, pdf.room() - 2)
    png = charts.trends_png(c.trends, c.trend_labels, c.lang, BODY_W, height,
                            with_national=c.level != "national")
    _image(pdf, png, height, c.trends_title)


def _fit(pdf: _Document, text: str, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _panel_height(pdf: _Document, panel: RankingPanel, width: float,
                  row_h: float = ROW_H) -> float:
    pdf.set_font(FAMILY, "B", 7.2)
    title = pdf.line_count(width, 3.4, panel.title)
    height = title * 3.4 + 3.6 + max(1, len(panel.rows)) * row_h + 1.5
    if panel.missing:
        pdf.set_font(FAMILY, "", 6)
        height += pdf.line_count(width, 2.8, panel.missing) * 2.8
    return height + 4


def _panel(pdf: _Document, panel: RankingPanel, x: float, y: float, width: float,
           label_w: float, row_h: float = ROW_H) -> None:
    pdf.set_xy(x, y)
    pdf.set_font(FAMILY, "B", 7.2)
    pdf.multi_cell(width, 3.4, panel.title, new_x="LEFT", new_y="NEXT", align="L")
    pdf.set_font(FAMILY, "", 6)
    pdf.set_text_color(*MUTED)
    pdf.set_x(x)
    pdf.cell(width, 3.6, panel.national_text)
    pdf.set_text_color(*TEXT)
    top = pdf.get_y() + 3.6
    value_w = 21.0
    bar_x, bar_w = x + label_w + 1, width - label_w - value_w - 2
    values = [r.value for r in panel.rows]
    lo = min([0.0] + values + ([panel.national] if panel.national is not None else []))
    hi = max([0.0] + values + ([panel.national] if panel.national is not None else []))
    span = (hi - lo) or 1.0

    def at(v: float) -> float:
        return bar_x + (v - lo) / span * bar_w

    if not panel.rows:
        pdf.set_xy(x, top)
        pdf.set_font(FAMILY, "", 6.5)
        pdf.cell(width, row_h, t("empty.no_data", pdf.content.lang))
    for i, row in enumerate(panel.rows):
        yy = top + i * row_h
        pdf.set_font(FAMILY, "B" if row.own else "", 6.2)
        pdf.set_xy(x, yy)
        pdf.cell(label_w, row_h, _fit(pdf, row.label, label_w), align="R")
        start, end = sorted((at(0.0), at(row.value)))
        pdf.set_fill_color(*_rgb(STATUS_COLORS.get(row.status, STATUS_COLORS["none"])))
        pdf.rect(start, yy + 0.55, max(end - start, 0.25), row_h - 1.1, style="F")
        pdf.set_xy(bar_x + bar_w + 1, yy)
        pdf.cell(value_w, row_h, row.text)
    if panel.national is not None and panel.rows:
        pdf.set_draw_color(*_rgb(NATIONAL_COLOR))
        pdf.set_line_width(0.25)
        with pdf.local_context():
            pdf.set_dash_pattern(dash=0.8, gap=0.6)
            pdf.line(at(panel.national), top - 0.4, at(panel.national),
                     top + len(panel.rows) * row_h + 0.4)
    pdf.set_y(top + max(1, len(panel.rows)) * row_h + 1)
    if panel.missing:
        pdf.set_x(x)
        pdf.set_font(FAMILY, "", 6)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(width, 2.8, panel.missing, new_x="LEFT", new_y="NEXT", align="L")
        pdf.set_text_color(*TEXT)


def _rankings(pdf: _Document, c: ReportContent) -> None:
    if not c.rankings:
        return
    pdf.add_page()
    pdf.heading(c.rankings_title)
    if c.rankings_note:
        pdf.set_font(FAMILY, "", 7)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(BODY_W, 3.4, c.rankings_note, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(*TEXT)
        pdf.ln(1)
    pdf.set_font(FAMILY, "", 6.2)
    widest = max((pdf.get_string_width(r.label) for p in c.rankings for r in p.rows),
                 default=0.0) + 1
    columns = 2 if widest <= LABEL_MAX_W else 1
    gap = 6.0
    width = (BODY_W - gap * (columns - 1)) / columns
    label_w = min(widest, LABEL_MAX_W if columns == 2 else width * 0.55)
    # Rows as tall as fit two rankings of the longest one on a page (a city's 40 courts).
    longest = max(c.rankings, key=lambda p: len(p.rows))
    row_h = ROW_H
    while row_h > MIN_ROW_H and 2 * _panel_height(pdf, longest, width, row_h) > PAGE_ROOM:
        row_h = round(row_h - 0.1, 2)
    for start in range(0, len(c.rankings), columns):
        group = c.rankings[start:start + columns]
        height = max(_panel_height(pdf, p, width, row_h) for p in group)
        if pdf.room() < height:
            pdf.add_page()
        y = pdf.get_y()
        for i, panel in enumerate(group):
            _panel(pdf, panel, MARGIN + i * (width + gap), y, width, label_w, row_h)
        pdf.set_xy(MARGIN, y + height)


def _definitions(pdf: _Document, c: ReportContent) -> None:
    pdf.add_page()
    pdf.heading(t("report.definitions", c.lang))
    pdf.set_font(FAMILY, "", 7)
    for line in c.method:
        pdf.multi_cell(BODY_W, 3.3, line, new_x="LMARGIN", new_y="NEXT", align="L")
    if c.method:
        pdf.ln(1.4)
    for name, lines in c.definitions:
        if pdf.room() < 22:
            pdf.add_page()
        pdf.set_font(FAMILY, "B", 8)
        pdf.multi_cell(BODY_W, 4, name, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font(FAMILY, "", 7)
        for line in lines:
            pdf.multi_cell(BODY_W, 3.3, line, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(1.4)


def _bullets(pdf: _Document, heading: str, items: list[str], size: float = 8,
             line: float = 4, gap: float = 0.4) -> None:
    """A heading and a bulleted list (findings, notes on missing data, notes)."""
    pdf.heading(heading)
    pdf.set_font(FAMILY, "", size)
    for item in items:
        y = pdf.get_y()
        pdf.cell(4, line, "•")
        pdf.set_xy(MARGIN + 4, y)
        pdf.multi_cell(BODY_W - 4, line, item, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(gap)


def _missing(pdf: _Document, c: ReportContent) -> None:
    _bullets(pdf, t("report.missing", c.lang), c.missing)


def _notes(pdf: _Document, c: ReportContent) -> None:
    """The notes analysts and staff wrote on these figures (data.edits.annotations)."""
    if c.notes:
        _bullets(pdf, t("report.notes", c.lang), c.notes)


def _gaps(pdf: _Document, c: ReportContent) -> None:
    """Where the gap is: the courts that make most of each KPI's gap to target."""
    if c.gaps:
        _bullets(pdf, t("report.gaps", c.lang), c.gaps)


def render_content(content: ReportContent) -> bytes:
    """The PDF of a report's content."""
    pdf = _Document(content, t("report.title", content.lang, unit=content.title,
                                year=content.year))
    pdf.add_page()
    _title_block(pdf, content)
    _findings(pdf, content)
    _scorecard(pdf, content)
    # The notes qualify the scorecard's numbers, so they follow it.
    _missing(pdf, content)
    _notes(pdf, content)
    _gaps(pdf, content)
    _case_flow(pdf, content)
    _trends(pdf, content)
    _rankings(pdf, content)
    _definitions(pdf, content)
    return bytes(pdf.output())


def _monitoring_table(pdf: _Document, c: MonitoringContent) -> None:
    pdf.heading(c.table_title, need=40)
    cells = [r for r, kind in zip(c.rows, c.kinds) if kind == "kpi"]
    widths, scale = sized_table(pdf, c.header, cells, bold={2, STATUS_COL}, wrap={0, NOTES_COL})
    head, pillar_face = _table_faces(pdf, scale)
    with pdf.table(col_widths=widths, width=BODY_W, line_height=3.1 * scale,
                   text_align=("LEFT",) + ("RIGHT",) * 4 + ("LEFT",) * 2,
                   headings_style=head, padding=CELL_PAD, repeat_headings=1, v_align="TOP",
                   borders_layout="HORIZONTAL_LINES",
                   cell_fill_mode=TableCellFillMode.NONE) as grid:
        header = grid.row()
        for label in c.header:
            header.cell(label, align="LEFT")
        for row_cells, kind, status in zip(c.rows, c.kinds, c.statuses):
            row = grid.row()
            if kind == "pillar":
                row.cell(row_cells[0], colspan=len(c.header), style=pillar_face, align="LEFT")
                continue
            for i, text in enumerate(row_cells):
                style = None
                if i == STATUS_COL and status in BADGE_COLORS:
                    style = FontFace(color=_rgb(BADGE_COLORS[status]), emphasis="BOLD")
                elif i == 2:
                    style = FontFace(emphasis="BOLD")
                row.cell(text, style=style)
    _legend(pdf, c.legend)


def render_monitoring(content: MonitoringContent) -> bytes:
    """The PDF of a monitoring report's content (layouts.report.monitoring)."""
    pdf = _Document(content, f"{content.title}: {content.subtitle}")
    pdf.add_page()
    _title_block(pdf, content)
    _monitoring_table(pdf, content)
    if content.year_notes:
        _bullets(pdf, content.year_notes_title, content.year_notes)
    return bytes(pdf.output())


def render_report(data: ReportData, lang: str, made: dt.date | None = None) -> bytes:
    """The PDF report of ``data`` (``data.publish.report_data.gather``) in ``lang``."""
    return render_content(build_content(data, lang, made))


def _legend(pdf: FPDF, text: str) -> None:
    """The small grey line under a table that says what its marks mean."""
    pdf.ln(1.5)
    pdf.set_font(FAMILY, "", 6.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(BODY_W, 3.2, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(*TEXT)


def _table_faces(pdf: FPDF, scale: float) -> tuple[FontFace, FontFace]:
    """Set the pen of a KPI table at ``scale`` (sized_table); its header's and pillar
    rows' faces."""
    pdf.set_font(FAMILY, "", TABLE_PT * scale)
    pdf.set_draw_color(205, 210, 218)
    pdf.set_line_width(0.15)
    pdf.set_fill_color(255, 255, 255)
    return (FontFace(emphasis="BOLD", fill_color=HEAD_FILL, size_pt=HEAD_PT * scale),
            FontFace(emphasis="BOLD", fill_color=PILLAR_FILL, size_pt=7.2 * scale))
