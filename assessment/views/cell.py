"""One cell of the class grid as HTML.

Rendered in Python, not a template: a 34 × 9 grid has ~300 cells and this keeps the page well inside its
100 ms budget. The same function renders the htmx answer to a save (saved, cleared, refused, or a colleague's
conflicting change with "keep mine" / "use theirs")."""

from __future__ import annotations

import json

from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

SAVED = {"saved", "cleared"}


def _state_class(result, error: str) -> str:
    if result is not None and result.status in SAVED:
        return " cell-saved"
    if result is not None and result.conflict:
        return " cell-conflict"
    if error:
        return " cell-error"
    return ""


def _status_html(result) -> str:
    if result is None or result.status not in SAVED:
        return ""
    word = "Saved" if result.status == "saved" else "Cleared"
    return format_html('<span aria-hidden="true">✓</span><span class="visually-hidden">{}</span>', word)


def _conflict_html(*, key: str, url: str, vals: dict, result) -> str:
    """Who changed the cell and when, with "keep mine" (re-sent with their version) and "use theirs"."""
    if result.pk:
        told = format_html(
            "{} changed this to <strong>{}</strong> at {}.",
            result.judged_by_name, result.grade, date_format(localtime(result.judged_at), "H:i, j M"),
        )  # fmt: skip
    else:
        told = "A colleague removed this judgement."
    mine = json.dumps(vals | {"version": str(result.version), "grade": result.attempted})
    theirs = json.dumps(vals | {"version": "0"})
    return format_html(
        '<div class="grid-message" id="msg-{}" role="alert">{}<div class="d-flex gap-1 mt-1">'
        '<button type="button" class="btn btn-sm btn-outline-primary" hx-post="{}" hx-target="closest td" '
        'hx-swap="outerHTML" hx-vals="{}">Keep mine{}</button>'
        '<button type="button" class="btn btn-sm btn-outline-secondary" hx-get="{}" hx-target="closest td" '
        'hx-swap="outerHTML" hx-vals="{}">Use theirs</button></div></div>',
        key, told, url, mine, f" ({result.attempted})" if result.attempted else "", url, theirs,
    )  # fmt: skip


def _message_html(*, key: str, url: str, vals: dict, result, error: str) -> str:
    if error:
        return format_html(
            '<div class="grid-message text-danger" id="msg-{}" role="alert">{} Nothing was saved.</div>', key, error
        )
    if result is not None and result.conflict:
        return _conflict_html(key=key, url=url, vals=vals, result=result)
    return ""


def cell_html(*, url: str, window, subject, pupil, cell, can_edit: bool, result=None, error: str = "") -> str:
    """One grid cell as HTML: read-only, or an input that saves itself on change (see the module docstring)."""
    focus = cell.focus
    key = f"{pupil.pk}-{focus.pk if focus else 'overall'}"
    previous = f'<span class="grid-prev" title="Last window">{escape(cell.previous)}</span>' if cell.previous else ""
    if not can_edit:
        return format_html(
            '<td id="cell-{}" class="grid-cell{}"><span>{}</span> {}</td>',
            key, "" if focus else " grid-overall", cell.grade or "–", previous,
        )  # fmt: skip
    vals = {"pupil": str(pupil.pk), "focus": str(focus.pk) if focus else "", "version": str(cell.version)}
    message = _message_html(key=key, url=url, vals=vals, result=result, error=error)
    what = f"{focus.code} {focus.name}" if focus else f"overall {subject.name}"
    # Plain string building with escape() on every text value: format_html per cell is several times slower.
    col = focus.pk if focus else "overall"
    focus_id = focus.pk if focus else ""
    described = f' aria-describedby="msg-{key}"' if message else ""
    return mark_safe(  # noqa: S308 - every interpolated text value is escaped here
        f'<td id="cell-{key}" class="grid-cell{"" if focus else " grid-overall"}{_state_class(result, error)}">'
        f'<div class="grid-entry">'
        f'<input type="text" name="grade" value="{escape(cell.grade)}" size="4" maxlength="20" autocomplete="off" '
        f'spellcheck="false" class="form-control form-control-sm grid-input{" is-invalid" if error else ""}" '
        f'aria-label="{escape(f"{pupil.display_name}, {what}, {window.name}")}"{described} data-grid-col="{col}" '
        f'hx-post="{escape(url)}" hx-trigger="change" hx-target="closest td" hx-swap="outerHTML" '
        f'hx-vals="{{&quot;pupil&quot;: &quot;{pupil.pk}&quot;, &quot;focus&quot;: &quot;{focus_id}&quot;, '
        f'&quot;version&quot;: &quot;{int(cell.version)}&quot;}}">'
        f'{previous}<span class="grid-status" role="status">{_status_html(result)}</span>'
        f"</div>{message}</td>"
    )
