"""Tenancy: schools (grouped in trusts), users, their memberships and roles, the school calendar, and the
outbox through which every Celery task is published."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .roles import Role


class User(AbstractUser):
    """A member of staff (or, later, a pupil or parent). Custom from the first migration."""

    email = models.EmailField("email address", blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Trust(models.Model):
    """A multi-academy trust or local authority grouping schools, for the trust view."""

    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Phase(models.TextChoices):
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"
        ALL_THROUGH = "all_through", "All-through"
        SPECIAL = "special", "Special"

    name = models.CharField(max_length=200)
    urn = models.CharField(
        "URN", max_length=6, unique=True, validators=[RegexValidator(r"^\d{6}$", "A URN is six digits.")]
    )
    la_code = models.CharField(
        "LA number", max_length=3, validators=[RegexValidator(r"^\d{3}$", "An LA number is three digits.")]
    )
    estab = models.CharField(
        "establishment number",
        max_length=4,
        validators=[RegexValidator(r"^\d{4}$", "An establishment number is four digits.")],
    )
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.PRIMARY)
    trust = models.ForeignKey(Trust, null=True, blank=True, on_delete=models.SET_NULL, related_name="schools")
    require_mfa = models.BooleanField(
        "require multi-factor sign-in",
        default=False,
        help_text="Staff who can see pupil data must sign in with an authenticator app.",
    )
    teachers_see_fsm = models.BooleanField(
        "class teachers see free school meals status",
        default=False,
        help_text="Off by default: FSM and pupil premium status stay in whole-school figures for leaders and "
        "the SENCO, and class teachers can neither see nor filter by them.",
    )
    small_count_threshold = models.PositiveSmallIntegerField(
        "smallest count shown",
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(20)],
        help_text="In figures a SIP, a trust or an export sees, any count below this is shown as “<N”, and "
        "another cell is hidden too so that totals cannot reveal it.",
    )
    leaver_retention_age = models.PositiveSmallIntegerField(
        "keep leavers' records until the pupil is aged",
        default=25,
        validators=[MinValueValidator(16), MaxValueValidator(120)],
        help_text="A school decision (the school is the data controller): once an archived leaver has reached this "
        "age, their record is listed for anonymising. 25 follows the common advice for primary SEN records.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["la_code", "estab"], name="school_dfe_number_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def dfe_number(self) -> str:
        return f"{self.la_code}/{self.estab}"


class Membership(models.Model):
    """One role held by a user in a school. A user may hold several roles, in several schools."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Roles given, removed, deactivated and reactivated: who and when (``schoolpl.history.changed_by``).
    history = HistoricalRecords()

    class Meta:
        ordering = ["school__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "school", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.school}"


class StaffChange(models.Model):
    """One change to a member of staff's account in a school, as the staff pages made it: the audit of
    invitations, roles, teaching groups and tutees, leavers, multi-factor resets and imports. Kept when the
    member of staff leaves (their account is deactivated, never deleted)."""

    class Action(models.TextChoices):
        INVITED = "invited", "Invited"
        INVITE_RESENT = "invite_resent", "Invitation sent again"
        ROLE_GIVEN = "role_given", "Role given"
        ROLE_REMOVED = "role_removed", "Role removed"
        GROUP_ASSIGNED = "group_assigned", "Teaching group given"
        GROUP_REMOVED = "group_removed", "Teaching group taken away"
        TUTEE_ASSIGNED = "tutee_assigned", "Tutee given"
        TUTEE_REMOVED = "tutee_removed", "Tutee taken away"
        DEACTIVATED = "deactivated", "Deactivated (leaver)"
        REACTIVATED = "reactivated", "Reactivated"
        MFA_RESET = "mfa_reset", "Authenticator app reset"
        IMPORTED = "imported", "Imported from the MIS"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="staff_changes")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_changes")
    action = models.CharField(max_length=20, choices=Action.choices)
    detail = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["school", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.user} ({self.detail})"


class AcademicYear(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="academic_years")
    name = models.CharField(max_length=20, help_text="For example 2025/26.")
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["school", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="academic_year_unique_name"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="academic_year_dates"),
        ]

    def __str__(self) -> str:
        return self.name


class AssessmentWindow(models.Model):
    """A term (or half-term) at whose end periodic assessments are made."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="assessment_windows")
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="windows")
    name = models.CharField(max_length=40, help_text="For example Autumn 2025.")
    start_date = models.DateField()
    end_date = models.DateField()
    is_open = models.BooleanField(default=True, help_text="Judgements can be recorded or changed.")

    class Meta:
        ordering = ["school", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="window_unique_name"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="window_dates"),
        ]
        indexes = [models.Index(fields=["school", "start_date"])]

    def __str__(self) -> str:
        return self.name


class OutboxMessage(models.Model):
    """A Celery task waiting to be published.

    Written in the same transaction as the change that needs it, so a save never fails (or turns into a
    500 after committing) because the broker is down; a sweeper publishes whatever is still pending.
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    label: str  # not a column: the task in the school's words, set by the outbox page for its rows

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(published_at__isnull=True), name="outbox_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}({self.kwargs})"


class AuditEvent(models.Model):
    """Something the audit log records that no model's history keeps: a subject access request and its
    export, the anonymising of a leaver. ``pupil_id`` is a plain number (schoolpl sits below the pupils app)
    and no name is stored, so the log never keeps a name an anonymisation removed."""

    class Kind(models.TextChoices):
        DATA_RIGHTS = "data_rights", "Data rights"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="audit_events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    action = models.CharField(max_length=200)
    pupil_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=list, help_text="[label, before, after] triples.")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["school", "at"])]

    def __str__(self) -> str:
        return f"{self.action} ({self.at:%d/%m/%Y %H:%M})"
