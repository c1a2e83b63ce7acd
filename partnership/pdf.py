"""The report as an A4 PDF (WeasyPrint) with its chart drawn server-side as SVG (matplotlib, Agg)."""

from __future__ import annotations

import base64
import io

from django.template.loader import render_to_string

from assessment import scales
from schoolpl.pdf import html_to_pdf


def chart_svg(chart: dict) -> str:
    """The report chart as SVG text: points over windows, one line per subject, y ticks at whole levels."""
    # Not for a cycle: matplotlib takes about a second to import, so only the process that draws a chart pays.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.2, 2.6))
    ax = fig.add_subplot()
    labels = chart.get("labels") or []
    values = [v for s in chart.get("series", []) for v in s["points"] if v is not None]
    for series in chart.get("series", []):
        xs = [i for i, v in enumerate(series["points"]) if v is not None]
        ys = [v for v in series["points"] if v is not None]
        ax.plot(xs, ys, marker="o", label=series["name"])
    ax.set_xticks(range(len(labels)), labels, fontsize=7)
    if values:
        low = max(1, int(min(values) // scales.POINTS_PER_LEVEL))
        high = int(max(values) // scales.POINTS_PER_LEVEL) + 1
        ticks = [scales.nc_points(n) for n in range(low, min(high, 8) + 1)]
        ax.set_yticks(ticks, [f"Level {n}" for n in range(low, min(high, 8) + 1)], fontsize=7)
        ax.set_ylim(min(values) - 3, max(values) + 3)
        ax.legend(fontsize=7, loc="upper left", frameon=False)
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_title("Your child's assessments over time", fontsize=9)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    return buffer.getvalue()


def chart_data_uri(chart: dict) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(chart_svg(chart).encode()).decode()


def report_html(report) -> str:
    """The print version of the report (its own A4 stylesheet; never served to a browser)."""
    return render_to_string(
        "partnership/report_pdf.html",
        {"report": report, "c": report.content, "chart_uri": chart_data_uri(report.content.get("chart", {}))},
    )


def report_pdf(report) -> bytes:
    """The PDF, rendered without fetching anything the report's words might point at (``schoolpl.pdf``)."""
    return html_to_pdf(report_html(report))
