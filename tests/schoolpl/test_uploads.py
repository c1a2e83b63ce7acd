"""Uploads awaiting confirmation (``schoolpl.uploads``): kept on disk by a random id, reachable only by the
user who uploaded them in the school they uploaded them in, removed on request and after an hour."""

from __future__ import annotations

import stat
import time
from types import SimpleNamespace

import pytest
import time_machine

from schoolpl import tasks, uploads

ME, THEM = SimpleNamespace(pk=7), SimpleNamespace(pk=8)
HERE, THERE = SimpleNamespace(pk=1), SimpleNamespace(pk=2)


@pytest.fixture(autouse=True)
def root(settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "uploads"
    return settings.PRIVATE_UPLOAD_ROOT


def _files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_an_upload_comes_back_to_its_owner_under_a_name_of_our_own(root):
    upload_id = uploads.store(user=ME, school=HERE, name="../../etc/passwd.csv", data=b"UPN,Surname\n")
    assert len(upload_id) == 32
    (path,) = _files(root)
    assert path == root / "1" / "7" / upload_id  # the user's file name is never a path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    found = uploads.load(upload_id, user=ME, school=HERE)
    assert found == uploads.Upload(name="../../etc/passwd.csv", data=b"UPN,Surname\n")


def test_nobody_else_can_load_an_upload_by_its_id(root):
    upload_id = uploads.store(user=ME, school=HERE, name="pupils.csv", data=b"x")
    assert uploads.load(upload_id, user=THEM, school=HERE) is None  # a colleague
    assert uploads.load(upload_id, user=ME, school=THERE) is None  # the same person, in another school
    uploads.discard(upload_id, user=THEM, school=HERE)
    assert uploads.load(upload_id, user=ME, school=HERE) is not None  # still there for its owner


@pytest.mark.parametrize("upload_id", [None, "", "../1/7/x", "a" * 31, "a" * 32 + "/..", 12345])
def test_a_malformed_id_finds_nothing(upload_id):
    uploads.store(user=ME, school=HERE, name="pupils.csv", data=b"x")
    assert uploads.load(upload_id, user=ME, school=HERE) is None
    uploads.discard(upload_id, user=ME, school=HERE)  # and removes nothing


def test_discard_removes_the_file(root):
    upload_id = uploads.store(user=ME, school=HERE, name="pupils.csv", data=b"x")
    uploads.discard(upload_id, user=ME, school=HERE)
    assert _files(root) == []
    assert uploads.load(upload_id, user=ME, school=HERE) is None


def test_an_upload_expires_after_an_hour(root):
    kept = uploads.store(user=ME, school=HERE, name="a.csv", data=b"x")
    with time_machine.travel(time.time() + 59 * 60, tick=False):
        assert tasks.expire_uploads() == 0
        assert uploads.load(kept, user=ME, school=HERE) is not None
    with time_machine.travel(time.time() + 61 * 60, tick=False):
        assert uploads.load(kept, user=ME, school=HERE) is None
    uploads.store(user=THEM, school=THERE, name="b.csv", data=b"y")
    with time_machine.travel(time.time() + 61 * 60, tick=False):
        assert tasks.expire_uploads() == 1  # the beat task
        assert _files(root) == []


def test_storing_an_upload_clears_out_expired_ones(root):
    uploads.store(user=THEM, school=THERE, name="b.csv", data=b"y")
    with time_machine.travel(time.time() + 2 * 3600, tick=False):
        fresh = uploads.store(user=ME, school=HERE, name="a.csv", data=b"x")
        assert _files(root) == [root / "1" / "7" / fresh]


def test_an_unreadable_file_in_the_store_is_cleared_out(root):
    uploads.store(user=ME, school=HERE, name="a.csv", data=b"x")
    (root / "1" / "7" / ("b" * 32)).write_bytes(b"not a header")
    assert uploads.expire() == 1
    assert len(_files(root)) == 1


def test_the_beat_schedule_expires_uploads(settings):
    entries = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "schoolpl.tasks.expire_uploads" in entries
