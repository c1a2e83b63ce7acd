"""The role × URL matrix: every URL the project defines must declare, here or in ``tests/<app>/access.py``,
what each role gets. A URL with no declaration fails the matrix test, so new views join it automatically.

Statuses: ``anon`` (signed out) is redirected to sign in; a role in ``ok`` gets ``ok_status``; any other
role of the school gets 403 (a personal tutor: see ``Expect.status_for``); the ``outsider`` (an admin of
another school) gets 404 for a URL about an
object (it has kwargs), because another school's objects are never confirmed to exist, and is treated as
any other school admin otherwise. The school's ``pupil`` and ``parent`` (portal) accounts get 403 (pages
and the API alike) unless the URL names them in ``ok`` or ``overrides``.

The FSM-visibility column: ``fsm`` is the query with which the URL shows free school meals / pupil premium to
those who may see them (a leader must see a marker there, so the check is not vacuous); a class teacher and a
personal tutor must see none there while their school disallows it, and see it once the school allows it.
Every other response a teacher, tutor, pupil or parent gets is checked for the marker too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from schoolpl.roles import CAPABILITIES, Role

TUTOR_CAPS = CAPABILITIES[Role.TUTOR]

ROLES = ("teacher", "senco", "leader", "sip", "admin")
STAFF = frozenset(ROLES)
PUPIL_READERS = frozenset({"teacher", "senco", "leader", "admin"})
ALL_PUPILS = frozenset({"senco", "leader", "admin"})
PORTAL = frozenset({"pupil", "parent"})

#: What gives away free school meals or pupil-premium status on a page, in a CSV or in JSON: a label or
#: badge ("FSM"), a filter value (``group=fsm``), a JSON key (``"fsm":``), the words.
FSM_MARKER = re.compile(r"\bfsm\b|pupil[ _]premium|free school meals|\bPP</span>", re.IGNORECASE)


@dataclass(frozen=True)
class Expect:
    ok: frozenset[str]
    kwargs: Callable[[dict], dict] | None = None
    method: str = "get"
    data: Callable[[dict], dict] | None = None
    ok_status: int = 200
    anon_status: int = 302
    overrides: dict[str, int] = field(default_factory=dict)
    query: str = ""
    fsm: str | None = None  # the FSM-visibility column (see the module docstring)

    def status_for(self, persona: str, view_caps: frozenset | None = None) -> int:
        if persona in self.overrides:
            return self.overrides[persona]
        if persona == "tutor":
            # A personal tutor sees their tutees (the world makes the tutor of every pupil the teacher
            # sees) with fewer capabilities than a teacher: a page needing a capability the tutor lacks is
            # 403; otherwise the tutor is answered as the teacher is, unless the URL says otherwise.
            if "tutor" in self.ok:
                return self.ok_status
            if view_caps and not (view_caps & TUTOR_CAPS):
                return 403
            return self.status_for("teacher")
        if persona in PORTAL:
            return self.ok_status if persona in self.ok else 403
        if persona == "anon":
            return self.anon_status
        if persona == "outsider":
            if self.kwargs is not None:
                return 404
            return self.ok_status if "admin" in self.ok else 403
        return self.ok_status if persona in self.ok else 403


def page(ok=STAFF, **kwargs) -> Expect:
    return Expect(ok=frozenset(ok), **kwargs)


# Views that do not use the access layer, with the reason.
PUBLIC = {
    "login": "the sign-in page",
    "healthz": "container liveness probe; reveals nothing",
    # Password reset (Django's own views): for signed-out users; the same answer whether or not an address has
    # an account, links that expire and work once, throttled (tests/schoolpl/test_password_reset.py).
    "password_reset": "the forgotten-password form, for signed-out users",
    "password_reset_done": "says a link may have been sent; the same for every address",
    "password_reset_confirm": "reached only with a valid one-time link from the e-mail",
    "password_reset_complete": "says the password changed; reveals nothing",
}
# Namespaces outside the matrix, with the reason.
EXCLUDED_NAMESPACES = {
    "admin": "Django admin for platform operators (is_staff) only; school staff are never is_staff",
}
