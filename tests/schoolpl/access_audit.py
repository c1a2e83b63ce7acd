"""Who may open the audit log and the data-rights pages (see tests/access.py): senior leaders and admins of
the school; a teacher, a tutor, the SENCO, a SIP and the portal's accounts are refused; another school's admin
sees their own school's log and never this school's pupils (404)."""

from tests.access import page

LEADERS = {"leader", "admin"}


def _pupil(w):
    return {"pk": w["pupil"].pk}


EXPECTATIONS = {
    "audit_log": page(LEADERS),
    "subject_access": page(LEADERS, kwargs=_pupil),
    "retention": page(LEADERS),
    # Changing the retention period and anonymising are the admin's (the pupil here is on roll: refused, 302).
    "retention_setting": page({"admin"}, method="post", ok_status=302, data=lambda w: {"leaver_retention_age": 25}),
    "anonymise_pupil": page({"admin"}, method="post", ok_status=302, kwargs=_pupil),
}
