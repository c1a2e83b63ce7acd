"""Render a print template to an A4 PDF with WeasyPrint.

The stylesheet is read from the static files on disk and no URL is fetched while rendering, so the PDF
never depends on the network (or on the site's own server answering itself).
"""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"External resources are not loaded into PDFs: {url}")


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string(template, context, request=request)
    stylesheet = finders.find("css/selfreview.css")
    stylesheets = [CSS(filename=stylesheet)] if stylesheet else []
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf(stylesheets=stylesheets)
