"""Role × URL expectations for the partnership app's staff personas. Tutors, parents and pupils are walked
over every partnership URL by tests/partnership/test_access_portal.py."""

from __future__ import annotations

from partnership import services
from partnership.models import Report, ReportRun
from tests.access import ALL_PUPILS, PORTAL, PUPIL_READERS, STAFF, page
from tests.partnership import factories as f

ADMIN = {"admin"}
LEADERS = {"leader", "admin"}
SENCOS = {"senco", "admin"}


def build_world(w):
    pupil = f.pupil(w["school"])
    f.taught_by(w["teacher"], pupil, year=w["year"])
    target = f.curricular_target(pupil)
    review = f.review(pupil, w["senco"], refer_to_senco=True, referral_reason="Reading well below peers")
    contact = f.contact(pupil)
    services.reports_generate(school=w["school"], window=w["window"], year_group=pupil.year_group)
    w["p_pupil"], w["p_target"], w["p_review"], w["p_contact"] = pupil, target, review, contact
    w["p_report"] = Report.objects.get(pupil=pupil)
    w["p_run"] = ReportRun.objects.create(school=w["school"], window=w["window"], year_group=6, total=1)
    # The matrix's pupil and parent accounts are this pupil's, with the portal switched on for both.
    f.portal_on(w["school"])
    for kind in ("pupil", "parent"):
        if f"portal_{kind}" in w:
            f.link(w[f"portal_{kind}"], pupil, kind)


def _pupil(w):
    return {"pk": w["p_pupil"].pk}


def _set(w):
    return {"window_pk": w["window"].pk, "year": 6}


def _report(w):
    return {"pk": w["p_report"].pk}


PORTAL_ONLY = {"outsider": 403}  # staff of any school are refused before any object is looked up
UNRELEASED = {"pupil": 404, "parent": 404}

EXPECTATIONS = {
    "partnership:reviews": page(PUPIL_READERS),
    "partnership:pupil": page(PUPIL_READERS, kwargs=_pupil),
    # A teacher who is not the pupil's personal tutor does not record their reviews.
    # The pupil's personal tutor records their progress reviews.
    "partnership:review_add": page(ALL_PUPILS | {"tutor"}, kwargs=_pupil),
    "partnership:review": page(PUPIL_READERS, kwargs=lambda w: {"pk": w["p_review"].pk}),
    "partnership:referrals": page(SENCOS),
    "partnership:referral_close": page(SENCOS, method="post", ok_status=302, kwargs=lambda w: {"pk": w["p_review"].pk}),
    "partnership:contacts": page(PUPIL_READERS, kwargs=_pupil),
    "partnership:contact_edit": page(ADMIN, kwargs=lambda w: {"pk": w["p_contact"].pk}),
    "partnership:invite": page(ADMIN, kwargs=_pupil),
    # Public (an invitation link); an unknown token is a 404 for everyone.
    "partnership:accept": page(
        STAFF | PORTAL, kwargs=lambda w: {"token": "not-a-token"}, ok_status=404, anon_status=404
    ),
    "partnership:portal_settings": page(ADMIN),
    "partnership:reports": page(ALL_PUPILS),
    "partnership:report_run": page(ALL_PUPILS, kwargs=lambda w: {"pk": w["p_run"].pk}),
    "partnership:report_set": page(ALL_PUPILS, kwargs=_set),
    "partnership:report_release": page(LEADERS, method="post", ok_status=302, kwargs=_set),
    "partnership:report_send": page(LEADERS, method="post", ok_status=302, kwargs=_set),
    "partnership:report": page(PUPIL_READERS, kwargs=_report),
    "partnership:report_pdf": page(PUPIL_READERS, kwargs=_report),
    "partnership:report_printed": page(LEADERS, method="post", ok_status=302, kwargs=_report),
    # The portal is for pupil and parent accounts only (see test_access_portal.py).
    "partnership:portal": page(PORTAL),
    "partnership:portal_pupil": page(PORTAL, kwargs=_pupil, overrides=PORTAL_ONLY),
    # The world's report is not released: not there for the family yet (test_access_portal.py walks a released one).
    "partnership:portal_report": page(set(), kwargs=_report, overrides=PORTAL_ONLY | UNRELEASED),
    "partnership:portal_report_pdf": page(set(), kwargs=_report, overrides=PORTAL_ONLY | UNRELEASED),
    # Only the pupil comments on their own targets (then back to their page); a parent is refused.
    "partnership:portal_comment": page(
        {"pupil"},
        method="post",
        ok_status=302,
        kwargs=lambda w: {"pk": w["p_target"].pk},
        data=lambda w: {"text": "hi"},
        overrides=PORTAL_ONLY,
    ),  # fmt: skip
}
