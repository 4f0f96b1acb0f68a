"""The PDF report of the nation, a region or a court (issue 14): a view like the pages,
built from what ``data.publish.report_data`` read, never querying.

* ``content``: the words and numbers (findings, scorecard, notes), pure;
* ``charts``: case flow and the KPI trends as images (matplotlib, no browser);
* ``monitoring``: the half-yearly or quarterly monitoring report's rows (issue 26), pure;
* ``pdf``: the A4 document (fpdf2, DejaVu Sans from matplotlib embedded).

``render_report(data, lang)`` gives the PDF's bytes; ``build_content`` what it says.
"""

from __future__ import annotations

from layouts.report.content import ReportContent, build_content
from layouts.report.monitoring import MonitoringContent, build_monitoring
from layouts.report.pdf import render_content, render_monitoring, render_report

__all__ = ["MonitoringContent", "ReportContent", "build_content", "build_monitoring",
           "render_content", "render_monitoring", "render_report"]
