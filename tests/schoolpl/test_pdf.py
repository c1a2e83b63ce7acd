"""PDFs are rendered from HTML that holds pupils' and staff's words: WeasyPrint must fetch nothing while
rendering — no web address (server-side request forgery), no local file (/etc/passwd, the app's secrets)."""

from __future__ import annotations

import contextlib
import http.server
import io
import threading
import zlib

import pytest


def png_bytes() -> bytes:
    """A 1×1 PNG: embedded, it would show up in the PDF as an image object."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "red").save(buffer, "PNG")
    return buffer.getvalue()


PNG = png_bytes()


class Hits:
    def __init__(self):
        self.paths: list[str] = []


@pytest.fixture
def web_server():
    """A web server on 127.0.0.1 that serves a PNG to anyone who asks, and writes down who asked."""
    hits = Hits()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            hits.paths.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def hostile_html(base: str, png_file) -> str:
    return f"""<html><head>
      <link rel="stylesheet" href="{base}/sheet.css">
      <style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png"); }}</style>
    </head><body><p>Maya's report</p>
      <img src="http://127.0.0.1:1/x"><img src="file:///etc/passwd"><img src="{base}/x.png">
      <img src="{png_file.as_uri()}"><object data="{base}/object"></object>
      <img src="data:image/svg+xml;utf8,&lt;svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/&gt;">
    </body></html>"""


def objects_in(pdf: bytes, subtype: bytes = b"/Image") -> int:
    """Count objects of ``subtype`` in the PDF (WeasyPrint's streams may be compressed: look inside them too)."""
    needle = b"/Subtype " + subtype
    count = pdf.count(needle)
    start = 0
    while (at := pdf.find(b"stream\n", start)) != -1:
        end = pdf.find(b"endstream", at)
        with contextlib.suppress(zlib.error):  # an uncompressed or non-zlib stream: counted above
            count += zlib.decompress(pdf[at + 7 : end]).count(needle)
        start = end
    return count


def images_drawn(html: str) -> list[str]:
    """The addresses of the images WeasyPrint lays out, rendering ``html`` with the app's fetcher."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    from schoolpl.pdf import url_fetcher

    drawn = []

    def walk(box):
        if isinstance(box, boxes.ReplacedBox):
            drawn.append(box.element.get("src") or box.element.get("data") or "")
        for child in getattr(box, "children", ()):
            walk(child)

    for page in HTML(string=html, url_fetcher=url_fetcher()).render().pages:
        walk(page._page_box)
    return drawn


def test_a_png_served_to_weasyprint_shows_up_as_an_image(web_server, tmp_path):
    """The probe works: WeasyPrint left to itself fetches the address and embeds the picture."""
    import weasyprint

    base, hits = web_server
    pdf = weasyprint.HTML(string=f'<img src="{base}/x.png">').write_pdf()
    assert hits.paths == ["/x.png"]
    assert objects_in(pdf) == 1


def test_rendering_fetches_no_web_address_and_reads_no_file(web_server, tmp_path, monkeypatch):
    import urllib.request

    from schoolpl.pdf import html_to_pdf

    base, hits = web_server
    png_file = tmp_path / "secret.png"
    png_file.write_bytes(PNG)
    opened = []
    real_open = urllib.request.OpenerDirector.open
    monkeypatch.setattr(
        urllib.request.OpenerDirector,
        "open",
        lambda self, url, *a, **kw: opened.append(getattr(url, "full_url", url)) or real_open(self, url, *a, **kw),
    )
    pdf = html_to_pdf(hostile_html(base, png_file))
    assert pdf.startswith(b"%PDF")
    assert hits.paths == []  # nothing reached the web server
    assert objects_in(pdf) == 0  # neither the served PNG nor the one on disk was embedded
    assert all(url.startswith("data:") for url in opened), opened  # only inline data was read
    drawn = images_drawn(hostile_html(base, png_file))
    assert [src[:5] for src in drawn] == ["data:"]  # the inline picture is drawn; nothing else is


def test_the_self_review_pdf_is_rendered_without_fetching(web_server, tmp_path, monkeypatch):
    from selfreview import pdf as selfreview_pdf

    base, hits = web_server
    png_file = tmp_path / "secret.png"
    png_file.write_bytes(PNG)
    monkeypatch.setattr(selfreview_pdf, "render_to_string", lambda *a, **kw: hostile_html(base, png_file))
    pdf = selfreview_pdf.render_pdf("selfreview/report_pdf.html", {})
    assert pdf.startswith(b"%PDF")
    assert hits.paths == []
    assert objects_in(pdf) == 0
