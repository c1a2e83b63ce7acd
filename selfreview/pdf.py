"""Render a print template to an A4 PDF with WeasyPrint.

The stylesheet is read from the static files on disk and no URL is fetched while rendering (see
``schoolpl.pdf``), so the PDF never depends on the network (or on the site's own server answering itself)
and never draws in a file or an address that the review's text points at.
"""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from schoolpl.pdf import html_to_pdf


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    html = render_to_string(template, context, request=request)
    stylesheet = finders.find("css/selfreview.css")
    return html_to_pdf(html, stylesheets=[stylesheet] if stylesheet else [])
