"""Roles and what each may do (DESIGN §4), in one table.

A user holds one or more roles in each school they belong to (a Membership row per role). What they may
do in the school they are working in is the union of their roles' capabilities. Every view declares the
capabilities it needs; the access layer (``schoolpl.access``) checks them, and the role × URL matrix test
walks every URL against every role.
"""

from __future__ import annotations

from enum import Enum

from django.db import models


class Role(models.TextChoices):
    TEACHER = "teacher", "Teacher"
    TUTOR = "tutor", "Personal tutor"
    SENCO = "senco", "SENCO"
    LEADER = "leader", "Senior leader"
    SIP = "sip", "School Improvement Partner"
    ADMIN = "admin", "School admin"
    PUPIL = "pupil", "Pupil"
    PARENT = "parent", "Parent or carer"


class Cap(str, Enum):
    """A capability a view can require. ``_ALL`` means across the whole school; ``_OWN`` means only for
    the pupils in the user's own teaching groups (or tutees), which the querysets enforce."""

    VIEW_PUPILS_ALL = "view_pupils_all"
    VIEW_PUPILS_OWN = "view_pupils_own"
    MANAGE_PUPILS = "manage_pupils"  # imports, edits, archiving
    RECORD_ASSESSMENT_ALL = "record_assessment_all"
    RECORD_ASSESSMENT_OWN = "record_assessment_own"
    MANAGE_FRAMEWORKS = "manage_frameworks"
    EDIT_TARGETS_ALL = "edit_targets_all"
    EDIT_TARGETS_OWN = "edit_targets_own"
    READ_TARGETS_ALL = "read_targets_all"
    EDIT_INTERVENTIONS = "edit_interventions"
    READ_INTERVENTIONS_ALL = "read_interventions_all"
    READ_INTERVENTIONS_OWN = "read_interventions_own"
    ADD_FOLLOW_UP = "add_follow_up"
    DASHBOARD_SCHOOL = "dashboard_school"
    DASHBOARD_OWN = "dashboard_own"
    SELFREVIEW_READ = "selfreview_read"
    SELFREVIEW_EDIT = "selfreview_edit"
    MANAGE_SCHOOL = "manage_school"  # settings, terms
    MANAGE_SCHOOL_YEAR = "manage_school_year"  # the academic year rollover (senior leaders and admins)
    # Staff accounts: invitations, roles, teaching groups and tutees, leavers, multi-factor resets (admins).
    MANAGE_STAFF = "manage_staff"
    # Free school meals and pupil-premium status, whatever the school's setting (DESIGN §4): whole-school
    # roles. A class teacher or tutor sees it only where the school allows (``SchoolAccess.sees_fsm``).
    SEE_FSM = "see_fsm"


C = Cap
CAPABILITIES: dict[str, frozenset[Cap]] = {
    Role.TEACHER: frozenset(
        {
            C.VIEW_PUPILS_OWN,
            C.RECORD_ASSESSMENT_OWN,
            C.EDIT_TARGETS_OWN,
            C.READ_INTERVENTIONS_OWN,
            C.ADD_FOLLOW_UP,
            C.DASHBOARD_OWN,
            C.SELFREVIEW_READ,
        }
    ),
    Role.TUTOR: frozenset({C.VIEW_PUPILS_OWN, C.READ_INTERVENTIONS_OWN, C.DASHBOARD_OWN, C.SELFREVIEW_READ}),
    Role.SENCO: frozenset(
        {
            C.VIEW_PUPILS_ALL,
            C.READ_TARGETS_ALL,
            C.EDIT_INTERVENTIONS,
            C.READ_INTERVENTIONS_ALL,
            C.ADD_FOLLOW_UP,
            C.DASHBOARD_SCHOOL,
            C.SELFREVIEW_READ,
            C.SEE_FSM,
        }
    ),
    Role.LEADER: frozenset(
        {
            C.VIEW_PUPILS_ALL,
            C.RECORD_ASSESSMENT_ALL,
            C.EDIT_TARGETS_ALL,
            C.READ_TARGETS_ALL,
            C.READ_INTERVENTIONS_ALL,
            C.DASHBOARD_SCHOOL,
            C.SELFREVIEW_READ,
            C.SELFREVIEW_EDIT,
            C.SEE_FSM,
            C.MANAGE_SCHOOL_YEAR,
        }
    ),
    # A SIP sees aggregates only: no capability here reveals an identifiable pupil (FSM groups are figures).
    Role.SIP: frozenset({C.DASHBOARD_SCHOOL, C.SELFREVIEW_READ, C.SELFREVIEW_EDIT, C.SEE_FSM}),
    Role.ADMIN: frozenset(set(Cap)),
    # Pupils and parents use the portal only (optional per school): no staff capability at all; portal
    # views check the link between the account and the child themselves.
    Role.PUPIL: frozenset(),
    Role.PARENT: frozenset(),
}
PORTAL_ROLES = frozenset({Role.PUPIL, Role.PARENT})

# Roles whose holders can see identifiable pupil data: the school can require multi-factor sign-in for them.
PUPIL_DATA_CAPS = frozenset({C.VIEW_PUPILS_ALL, C.VIEW_PUPILS_OWN})


def capabilities_for(roles) -> frozenset[Cap]:
    caps: set[Cap] = set()
    for role in roles:
        caps |= CAPABILITIES[role]
    return frozenset(caps)
