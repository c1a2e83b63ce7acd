"""Targets and trajectories: each school's ambition and threshold settings, long-term numeric targets per
pupil and subject, and the ProgressStatus rows the Celery job keeps (one per pupil × subject × window)."""

from __future__ import annotations

import logging

import pandas as pd
from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from assessment.models import Subject
from assessment.scales import INTEGRATED_PSCALE_POINTS
from pupils import codes

from . import expectations, pscale, trajectory

log = logging.getLogger(__name__)


def default_pscale_points() -> list[float]:
    """The National Strategies' P-scale points, P1(i) … P8 (DESIGN §3): a fresh list per school."""
    return list(INTEGRATED_PSCALE_POINTS)


class TargetSettings(models.Model):
    """A school's ambition policy and the thresholds that classify progress (see ``targets.trajectory``)."""

    class Policy(models.TextChoices):
        EXPECTED = "expected", "Expected progress"
        EXPECTED_PLUS = "expected_plus", "Expected progress plus a stretch"
        PERCENTILE = "percentile", "Percentile of similar pupils in the school's history"

    school = models.OneToOneField("schoolpl.School", on_delete=models.CASCADE, related_name="target_settings")
    policy = models.CharField(max_length=20, choices=Policy.choices, default=Policy.EXPECTED)
    expected_points_per_year = models.FloatField(
        default=3.0, help_text="3 points a year = 2 whole levels over key stage 2's four years."
    )
    stretch_points = models.FloatField(default=2.0, help_text="Added by the stretch policy: 2 points = 1 sub-level.")
    percentile = models.PositiveSmallIntegerField(
        default=75, choices=[(50, "50th (top half)"), (75, "75th (top quarter)")]
    )
    min_history = models.PositiveSmallIntegerField(default=10)
    ahead_by = models.FloatField(default=2.0)
    # Flag defaults (DESIGN §3): behind = one sub-level (2 points) or more below the expected line, well
    # behind = two (4), stuck = no gain over three consecutive windows.
    behind_by = models.FloatField(default=2.0)
    well_behind_by = models.FloatField(default=4.0)
    stuck_windows = models.PositiveSmallIntegerField(default=3)
    # Pupils working below level 1 (see targets.pscale): their line runs in the school's P-scale points at
    # its own rate, or at the national progression quartile it picks; behind and well behind are P-scale steps.
    pscale_points = models.JSONField(
        default=default_pscale_points, help_text="Points for P1(i), P1(ii) … P8, lowest first."
    )
    pscale_points_per_year = models.FloatField(
        null=True, blank=True, help_text="Empty: the national progression quartile below."
    )
    pscale_quartile = models.PositiveSmallIntegerField(
        default=50,
        choices=[(25, "Lower quartile (25th percentile)"), (50, "Median"), (75, "Upper quartile (75th percentile)")],
    )
    pscale_behind_steps = models.FloatField(default=1.0)
    pscale_well_behind_steps = models.FloatField(default=2.0)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Target settings for {self.school}"

    @classmethod
    def with_pscale_lines(cls, plans: pd.DataFrame, school_ids) -> tuple[pd.DataFrame, dict[float, pscale.StepLadder]]:
        """The recompute's ``plans`` with the P-scale pupils' lines, and their step rules
        (:func:`targets.pscale.with_pscale_lines`), from the schools' stored settings and their subjects
        recorded on P-scales. Two queries. A school whose stored P-scale settings are inconsistent keeps
        the defaults (logged), so one bad row never stops the job."""
        policies = {}
        for row in cls.objects.filter(school_id__in=list(school_ids)):
            try:
                policies[row.school_id] = row.pscale_policy()
            except ValueError as exc:
                log.warning("school %s: P-scale settings refused (%s); the defaults apply", row.school_id, exc)
        subjects = Subject.objects.filter(school_id__in=list(school_ids), scale_code__in=pscale.PSCALE_SUBJECT_SCALES)
        return pscale.with_pscale_lines(plans, policies, set(subjects.values_list("pk", flat=True)))

    def pscale_policy(self) -> pscale.PScalePolicy:
        """The school's rule for P-scale pupils; raises ValueError if the settings are inconsistent."""
        try:
            points = tuple(float(p) for p in self.pscale_points)
        except (TypeError, ValueError):
            raise ValueError("P-scale points must be a list of numbers, P1(i) to P8.") from None
        return pscale.PScalePolicy(
            points=points,
            points_per_year=self.pscale_points_per_year,
            quartile=self.pscale_quartile,
            behind_steps=self.pscale_behind_steps,
            well_behind_steps=self.pscale_well_behind_steps,
        )

    def thresholds(self) -> trajectory.Thresholds:
        return trajectory.Thresholds(
            ahead_by=self.ahead_by,
            behind_by=self.behind_by,
            well_behind_by=self.well_behind_by,
            stuck_windows=self.stuck_windows,
        )


class AgeRelatedExpectation(models.Model):
    """A school's own age-related expectation (points) for a year group at a term, in one subject or (no
    subject) in all; where none is set the default line in ``targets.expectations`` applies."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    year_group = models.SmallIntegerField(choices=codes.YEAR_GROUPS)
    term = models.PositiveSmallIntegerField(choices=expectations.TERM_CHOICES)
    subject = models.ForeignKey(
        "assessment.Subject",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: every subject without its own expectation.",
    )
    points = models.FloatField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["year_group", "term", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year_group", "term", "subject"],
                condition=models.Q(subject__isnull=False),
                name="are_unique_subject",
            ),
            models.UniqueConstraint(
                fields=["school", "year_group", "term"],
                condition=models.Q(subject__isnull=True),
                name="are_unique_all_subjects",
            ),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="are_points_not_negative"),
        ]

    def __str__(self) -> str:
        return f"ARE year {self.year_group} term {self.term} subject {self.subject_id}: {self.points}"


class PupilTarget(models.Model):
    """A long-term numeric target for a pupil in a subject: from a baseline to target points by a date.

    ``proposed_points`` and ``proposal_basis`` keep what the ambition policy suggested; ``target_points`` is
    what a teacher or leader accepted or adjusted."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        REPLACED = "replaced", "Replaced"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="numeric_targets")
    subject = models.ForeignKey("assessment.Subject", on_delete=models.CASCADE, related_name="+")
    baseline_points = models.FloatField()
    baseline_date = models.DateField()
    target_points = models.FloatField()
    target_date = models.DateField()
    proposed_points = models.FloatField(null=True, blank=True)
    proposal_basis = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    set_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    # Not stored: the points read as grades of the subject's scale, set for display by
    # ``targets.selectors.label_targets``.
    target_grade: str
    baseline_grade: str
    proposed_grade: str

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "subject"],
                condition=models.Q(status__in=["proposed", "active"]),
                name="one_current_numeric_target",
            ),
        ]
        indexes = [models.Index(fields=["school", "subject", "status"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.subject_id}: {self.baseline_points}→{self.target_points}"


class ProgressStatus(models.Model):
    """Where a pupil stands against their trajectory in a subject at a window. Kept by the Celery job;
    advice to the teacher, who decides — no automated decision is taken about a child."""

    class Status(models.TextChoices):
        AHEAD = trajectory.AHEAD, "Ahead"
        ON_TRACK = trajectory.ON_TRACK, "On track"
        BEHIND = trajectory.BEHIND, "Behind"
        STUCK = trajectory.STUCK, "Stuck"
        WELL_BEHIND = trajectory.WELL_BEHIND, "Well behind"

    # A derived table the job rewrites in bulk: its foreign keys are not checked by the database (a deferred
    # check per row per key doubled the cost of a recompute) and carry no index of their own (every index is
    # paid for on every row written; the unique key already starts with the pupil and the (school, window)
    # index serves the school); deletes still cascade through the ORM and the job only ever writes ids it has
    # just read from the source tables.
    school = models.ForeignKey(
        "schoolpl.School", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    pupil = models.ForeignKey(
        "pupils.Pupil",
        on_delete=models.CASCADE,
        related_name="progress_statuses",
        db_constraint=False,
        db_index=False,
    )
    subject = models.ForeignKey(
        "assessment.Subject", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    window = models.ForeignKey(
        "schoolpl.AssessmentWindow", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    expected = models.FloatField()
    actual = models.FloatField()
    status = models.CharField(max_length=12, choices=Status.choices)
    since_window = models.ForeignKey(
        "schoolpl.AssessmentWindow", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    is_latest = models.BooleanField(default=False, help_text="The pupil's latest window in this subject.")
    series = models.BigIntegerField(
        default=0,
        help_text="On the latest row: a fingerprint of the pupil's whole series in the subject (0 elsewhere), so "
        "the job finds the series that changed without reading every row back.",
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "subject", "window"], name="progress_status_unique"),
        ]
        indexes = [
            models.Index(fields=["school", "window", "status"]),
            # Pages read the latest status only: one row in six, so the index holds only those.
            models.Index(fields=["school", "status"], condition=models.Q(is_latest=True), name="progress_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.subject_id} {self.window_id}: {self.status}"


class RecomputeState(models.Model):
    """What the last full recompute of a school left in ProgressStatus: a fingerprint and a row count, so the
    nightly run can see that its result equals what is stored without reading the statuses back. Cleared
    (an empty digest) by a recompute of some pupils only."""

    school = models.OneToOneField("schoolpl.School", on_delete=models.CASCADE, primary_key=True, related_name="+")
    digest = models.CharField(max_length=64, blank=True)
    rows = models.PositiveIntegerField(default=0)
    latest = models.PositiveIntegerField(default=0, help_text="How many of the rows are a pupil's latest.")
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"school {self.school_id}: {self.rows} statuses"


class CurricularTarget(models.Model):
    """A layered curricular target: long/medium/short-term, at school, year, class, group or pupil level,
    linked to the target it was derived from so a leader can follow a whole-school target down to pupils."""

    class Level(models.TextChoices):
        SCHOOL = "school", "Whole school"
        YEAR = "year", "Year group"
        CLASS = "class", "Class"
        GROUP = "group", "Group"
        PUPIL = "pupil", "Pupil"

    class Term(models.TextChoices):
        LONG = "long", "Long-term (a year)"
        MEDIUM = "medium", "Medium-term (a unit)"
        SHORT = "short", "Short-term (a lesson or a few)"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ACHIEVED = "achieved", "Achieved"
        NOT_ACHIEVED = "not_achieved", "Not achieved"
        REPLACED = "replaced", "Replaced"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=10, choices=Level.choices)
    term = models.CharField(max_length=10, choices=Term.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    text = models.CharField("target", max_length=300)
    subject = models.ForeignKey("assessment.Subject", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    focuses = models.ManyToManyField("assessment.Focus", blank=True, related_name="+")
    year_group = models.SmallIntegerField(null=True, blank=True)
    teaching_group = models.ForeignKey(
        "pupils.TeachingGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="curricular_targets"
    )
    pupil = models.ForeignKey(
        "pupils.Pupil", null=True, blank=True, on_delete=models.CASCADE, related_name="curricular_targets"
    )
    group_pupils = models.ManyToManyField(
        "pupils.Pupil", blank=True, related_name="group_curricular_targets", help_text="For a group target."
    )
    pupil_words = models.TextField("in the pupil's own words", blank=True)
    # The chain from the number to the pupil's words (see ``targets.chain``): a pupil's target names the
    # numeric target it serves, chosen by the teacher; a group target serves its pupils' numeric targets in
    # its subject, read from the group (no field: one target, many pupils' numbers).
    serves = models.ForeignKey(
        PupilTarget,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="curricular_targets",
        help_text="For a pupil's target: the pupil's numeric target in the subject that it serves.",
    )
    agreed_with_pupil = models.BooleanField(default=False)
    shared_with_parents = models.BooleanField(default=False)
    review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[focuses, group_pupils], excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "level", "status"])]

    def __str__(self) -> str:
        return self.text


class TargetReview(models.Model):
    """A review of a curricular target with the pupil (or group): what happened, in the pupil's words too."""

    target = models.ForeignKey(CurricularTarget, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    outcome = models.CharField(max_length=15, choices=CurricularTarget.Status.choices)
    note = models.TextField(blank=True)
    pupil_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"Review of {self.target_id} on {self.reviewed_on}"


class Notification(models.Model):
    """An in-app notice to a member of staff (e.g. a pupil newly off trajectory)."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    pupil = models.ForeignKey("pupils.Pupil", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    message = models.CharField(max_length=300)
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_dedupe")]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message
