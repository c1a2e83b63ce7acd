"""HTML to PDF with WeasyPrint, fetching nothing. Every PDF the app makes goes through ``html_to_pdf``.

The HTML holds pupils' and staff's words. Left to itself WeasyPrint would fetch whatever the HTML points
at — a web address (a request from our server to anywhere, including the internal network) or a local
file (``file:///etc/passwd``, the app's settings) — and draw it into the document. Here only ``data:``
URIs, which carry their content inline (the server-side charts), are read; every other URL is refused
before anything is opened, and WeasyPrint simply leaves that resource out.
"""

from __future__ import annotations

from collections.abc import Sequence


def _fetcher():
    from weasyprint.urls import URLFetcher

    class InlineOnlyFetcher(URLFetcher):
        """Reads ``data:`` URIs; refuses every other scheme (http, https, ftp, file …) without opening it."""

        def __init__(self):
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)

        def fetch(self, url, headers=None):
            if not url.strip().lower().startswith("data:"):
                raise ValueError(f"PDFs load nothing from outside the document: {url[:100]}")
            return super().fetch(url, headers)

    return InlineOnlyFetcher()


def url_fetcher():
    """A WeasyPrint ``url_fetcher`` that reads inline ``data:`` URIs only."""
    return _fetcher()


def html_to_pdf(html: str, *, stylesheets: Sequence[str] = ()) -> bytes:
    """Render ``html`` (with the CSS files at ``stylesheets``, read from disk) to PDF bytes."""
    from weasyprint import CSS, HTML

    fetcher = url_fetcher()
    css = [CSS(filename=path, url_fetcher=fetcher) for path in stylesheets]
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=css)
