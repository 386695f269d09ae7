"""The self-contained HTML report of Ripple results (``ripple report``, ``--report-html``)."""

from ripple.report.html.page import ReportInput, load_result, report_html, write_report

__all__ = ["ReportInput", "load_result", "report_html", "write_report"]
