"""Uploaded files awaiting the user's confirmation (an import's preview, then its commit), kept on disk.

Not in the session: sessions are saved on every request (``SESSION_SAVE_EVERY_REQUEST``), and a 5 MB file in
one would be rewritten with each. The session keeps only the upload's random id; the file lives in
``settings.PRIVATE_UPLOAD_ROOT`` (never under static or media, never served), at
``<school id>/<user id>/<id>``: the name never comes from the user, and a user can reach only the files they
uploaded in the school they are signed in to, whatever id they send. The file's first line records the
original file name (shown back, and telling CSV from XLSX), the owner and when it was stored.

An upload is removed when its import is committed or cancelled, and by ``expire`` once it is older than
``MAX_AGE``: on every ``store`` and every 15 minutes from Celery beat (``schoolpl.tasks.expire_uploads``).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

MAX_AGE = timedelta(hours=1)
_ID = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class Upload:
    name: str  # the file name the user's browser sent, for display and its extension only
    data: bytes


def _storage() -> FileSystemStorage:
    return FileSystemStorage(
        location=settings.PRIVATE_UPLOAD_ROOT, file_permissions_mode=0o600, directory_permissions_mode=0o700
    )


def _path(upload_id: str, user, school) -> str | None:
    if not isinstance(upload_id, str) or not _ID.fullmatch(upload_id):
        return None
    return f"{int(school.pk)}/{int(user.pk)}/{upload_id}"


def store(*, user, school, name: str, data: bytes) -> str:
    """Keep ``data`` for ``user`` in ``school``; return its id (for the session). Expired uploads go first."""
    expire()
    upload_id = secrets.token_urlsafe(24)
    header = {"name": str(name)[:255], "user": user.pk, "school": school.pk, "at": time.time()}
    path = _path(upload_id, user, school)
    saved = _storage().save(path, ContentFile(json.dumps(header).encode() + b"\n" + data))
    assert saved == path, "a fresh random id cannot exist already"
    return upload_id


def _read(storage: FileSystemStorage, path: str, *, header_only: bool = False) -> tuple[dict, bytes] | None:
    """The file's header and data; None if it is gone, an empty header if it is unreadable."""
    try:
        with storage.open(path, "rb") as f:
            head = f.readline(4096)
            data = b"" if header_only else f.read()
    except FileNotFoundError:
        return None
    try:
        header = json.loads(head)
    except ValueError:
        return {}, b""
    return (header, data) if isinstance(header, dict) else ({}, b"")


def _expired(header: dict, now: float) -> bool:
    at = header.get("at")
    return not isinstance(at, int | float) or now - at > MAX_AGE.total_seconds()


def load(upload_id, *, user, school) -> Upload | None:
    """The upload ``upload_id`` of ``user`` in ``school``; None when it is not theirs, gone or expired."""
    path = _path(upload_id, user, school)
    if path is None:
        return None
    storage = _storage()
    found = _read(storage, path)
    if found is None:
        return None
    header, data = found
    if _expired(header, time.time()) or (header.get("user"), header.get("school")) != (user.pk, school.pk):
        storage.delete(path)
        return None
    return Upload(name=str(header.get("name", "")), data=data)


def discard(upload_id, *, user, school) -> None:
    """Remove the upload (committed or cancelled); nothing happens for an id that is not the user's."""
    path = _path(upload_id, user, school)
    if path is not None:
        _storage().delete(path)


def expire() -> int:
    """Remove every upload older than ``MAX_AGE`` (and any unreadable file); return how many went."""
    storage = _storage()
    if not storage.exists(""):
        return 0
    now = time.time()
    removed = 0
    for school_dir in storage.listdir("")[0]:
        for user_dir in storage.listdir(school_dir)[0]:
            folder = f"{school_dir}/{user_dir}"
            for name in storage.listdir(folder)[1]:
                found = _read(storage, f"{folder}/{name}", header_only=True)
                if found is not None and _expired(found[0], now):
                    storage.delete(f"{folder}/{name}")
                    removed += 1
    return removed
