"""Pupils, their characteristics, and the teaching groups they belong to over time."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from . import codes, premium
from .querysets import GroupMembershipQuerySet, PupilQuerySet, TeachingGroupQuerySet

if TYPE_CHECKING:
    from schoolpl.models import User


class Pupil(models.Model):
    school = models.ForeignKey("schoolpl.School", on_delete=models.PROTECT, related_name="pupils")
    upn = models.CharField("UPN", max_length=13)
    legal_surname = models.CharField(max_length=100)
    legal_forename = models.CharField(max_length=100)
    preferred_surname = models.CharField(max_length=100, blank=True)
    preferred_forename = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=1, choices=codes.GENDER)
    year_group = models.SmallIntegerField(choices=codes.YEAR_GROUPS)
    form = models.CharField("form / registration group", max_length=20, blank=True)
    admission_date = models.DateField(null=True, blank=True)
    leaving_date = models.DateField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True, help_text="Leavers are archived, never deleted.")
    sen_provision = models.CharField("SEN provision", max_length=1, choices=codes.SEN_PROVISION, default="N")
    primary_need = models.CharField(max_length=4, choices=codes.PRIMARY_NEED, blank=True)
    eal = models.BooleanField("EAL", default=False)
    fsm = models.BooleanField("FSM", default=False)
    fsm_last_recorded = models.DateField(
        "FSM last recorded",
        null=True,
        blank=True,
        help_text="The last day the pupil was recorded eligible for free school meals (from a CTF's FSM history).",
    )
    pupil_premium = models.BooleanField(default=False)
    looked_after = models.BooleanField(default=False)
    gifted = models.BooleanField("gifted and talented", default=False)
    ethnicity = models.CharField(max_length=4, choices=codes.ETHNICITY, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = PupilQuerySet.as_manager()

    class Meta:
        ordering = ["legal_surname", "legal_forename", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "upn"], name="pupil_upn_unique_in_school"),
            models.CheckConstraint(
                condition=Q(primary_need="") | ~Q(sen_provision="N"), name="pupil_need_only_with_sen"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "year_group"]),
            models.Index(fields=["school", "archived_at"]),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def forename(self) -> str:
        return self.preferred_forename or self.legal_forename

    @property
    def surname(self) -> str:
        return self.preferred_surname or self.legal_surname

    @property
    def display_name(self) -> str:
        return f"{self.forename} {self.surname}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def year_label(self) -> str:
        return codes.year_group_label(self.year_group)

    def pupil_premium_reason(self, today: dt.date | None = None) -> str:
        """Why the pupil has pupil premium, in words ("FSM in the last six years (Ever 6)", "looked after",
        "recorded by the school"); "" when they have none. Shown only where FSM may be seen."""
        if not self.pupil_premium:
            return ""
        basis = premium.pupil_premium_basis(
            fsm=self.fsm,
            fsm_last=self.fsm_last_recorded,
            looked_after=self.looked_after,
            today=today or timezone.localdate(),
        )
        return basis or premium.RECORDED

    @property
    def has_sen(self) -> bool:
        return self.sen_provision in {"K", "E"}


class TeachingGroup(models.Model):
    """A class or set, in one subject and academic year, with its teachers and members."""

    class Kind(models.TextChoices):
        CLASS = "class", "Class"
        SET = "set", "Set"

    class Subject(models.TextChoices):
        ENGLISH = "english", "English"
        MATHS = "maths", "Mathematics"
        SCIENCE = "science", "Science"
        COMPUTING = "computing", "Computing"
        HISTORY = "history", "History"
        GEOGRAPHY = "geography", "Geography"
        LANGUAGES = "languages", "Languages"
        ART = "art", "Art and design"
        MUSIC = "music", "Music"
        PE = "pe", "Physical education"
        RE = "re", "Religious education"
        DT = "dt", "Design and technology"
        PSHE = "pshe", "PSHE"

    school = models.ForeignKey("schoolpl.School", on_delete=models.PROTECT, related_name="teaching_groups")
    academic_year = models.ForeignKey("schoolpl.AcademicYear", on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=60)
    subject = models.CharField(max_length=20, choices=Subject.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CLASS)
    year_group = models.SmallIntegerField(choices=codes.YEAR_GROUPS, null=True, blank=True)
    teachers: models.ManyToManyField[User, TeachingGroupTeacher] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeachingGroupTeacher", related_name="teaching_groups"
    )

    history = HistoricalRecords()
    objects = TeachingGroupQuerySet.as_manager()

    class Meta:
        ordering = ["year_group", "subject", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "academic_year", "subject", "name"], name="group_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_subject_display()})"


class TeachingGroupTeacher(models.Model):
    group = models.ForeignKey(TeachingGroup, on_delete=models.CASCADE, related_name="teacher_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_links")
    is_main = models.BooleanField(default=True, help_text="Main teacher rather than a support teacher.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_teacher_unique")]

    def __str__(self) -> str:
        return f"{self.user} teaches {self.group}"


class GroupMembership(models.Model):
    """A pupil's place in a teaching group over dates: moving set keeps the history of both."""

    group = models.ForeignKey(TeachingGroup, on_delete=models.CASCADE, related_name="memberships")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="group_memberships")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    history = HistoricalRecords()
    objects = GroupMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["group", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_dates",
            ),
        ]
        indexes = [models.Index(fields=["pupil", "end_date"]), models.Index(fields=["group", "end_date"])]

    def __str__(self) -> str:
        return f"{self.pupil} in {self.group} from {self.start_date}"


class TutorAssignment(models.Model):
    """A personal tutor ("learning guide") for a pupil over dates: a tutor group or a caseload."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tutees")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="tutor_assignments")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    history = HistoricalRecords()
    objects = GroupMembershipQuerySet.as_manager()  # the same .current() over start/end dates

    class Meta:
        ordering = ["pupil", "-start_date"]
        indexes = [models.Index(fields=["tutor", "end_date"])]

    def __str__(self) -> str:
        return f"{self.tutor} tutors {self.pupil}"


class Contact(models.Model):
    """A parent or carer of a pupil."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=60, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=40, blank=True, default="English")
    parental_responsibility = models.BooleanField(default=True)
    priority = models.PositiveSmallIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pupil", "priority", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship or 'contact'})"


class CtfStageResult(models.Model):
    """A key stage result exactly as a Common Transfer File carried it, kept for the assessment app to turn
    into transitional results (baselines)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="ctf_results")
    stage = models.CharField(max_length=10)
    locale = models.CharField(max_length=10, blank=True)
    year = models.CharField(max_length=4, blank=True)
    subject = models.CharField(max_length=40)
    method = models.CharField(max_length=20, blank=True)
    component = models.CharField(max_length=60, blank=True)
    result_status = models.CharField(max_length=20, blank=True)
    result = models.CharField(max_length=20)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "stage", "year", "subject", "method", "component"], name="ctf_result_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.subject} {self.result}"


class RolloverRun(models.Model):
    """One run of the academic year rollover (``pupils.rollover``): queued from the confirmation page, done by
    the Celery task in one transaction. A school rolls into a year once: a second run into the same year is
    refused by the database as well as by the page (a failed run, which changed nothing, does not count)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed: nothing was changed"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    from_year = models.ForeignKey("schoolpl.AcademicYear", on_delete=models.PROTECT, related_name="+")
    to_year_name = models.CharField("new academic year", max_length=20)
    to_year = models.ForeignKey(
        "schoolpl.AcademicYear", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fingerprint = models.CharField(max_length=64, help_text="The previewed plan's fingerprint.")
    carry_teachers = models.BooleanField(default=True)
    create_groups = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "to_year_name"],
                condition=~Q(status="failed"),
                name="rollover_once_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"Rollover {self.from_year_id} → {self.to_year_name}: {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
