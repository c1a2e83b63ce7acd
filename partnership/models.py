"""Partnership with pupils and parents: half-termly progress reviews with a personal tutor, termly reports
to parents (generated, reviewed, released, then sent), and the optional pupil and parent portal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class PortalSettings(models.Model):
    """Whether a school lets pupils and/or parents sign in to the portal (off until the school turns it on)."""

    school = models.OneToOneField("schoolpl.School", on_delete=models.CASCADE, related_name="portal_settings")
    pupils_enabled = models.BooleanField("pupils can sign in", default=False)
    parents_enabled = models.BooleanField("parents and carers can sign in", default=False)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Portal settings for {self.school}"

    def enabled_for(self, kind: str) -> bool:
        return self.pupils_enabled if kind == PortalLink.Kind.PUPIL else self.parents_enabled


class PortalLink(models.Model):
    """The link from a portal account to a child: a pupil to themselves, a parent or carer to their child.
    Portal pages show only the pupils an account is linked to."""

    class Kind(models.TextChoices):
        PUPIL = "pupil", "Pupil"
        PARENT = "parent", "Parent or carer"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_links")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="portal_links")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    contact = models.ForeignKey("pupils.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "pupil"], name="portal_link_unique")]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.pupil_id} ({self.kind})"


class Invitation(models.Model):
    """An invitation to make a portal account. Only a hash of the token is stored; the link is shown (and
    emailed) once."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("pupils.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=PortalLink.Kind.choices)
    email = models.EmailField(blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation ({self.kind}) for pupil {self.pupil_id}"


class ProgressReview(models.Model):
    """A (at least half-termly) review meeting between a pupil and their personal tutor."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="progress_reviews")
    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    held_on = models.DateField("date of the review")
    pupil_attended = models.BooleanField(default=True)
    parent_attended = models.BooleanField("a parent or carer attended", default=False)
    others_attending = models.CharField("others attending", max_length=200, blank=True)
    pupil_view = models.TextField("the pupil's view of their progress", blank=True)
    targets_reviewed = models.ManyToManyField(
        "targets.CurricularTarget", blank=True, related_name="progress_reviews", help_text="Targets discussed."
    )
    targets_agreed = models.TextField("targets agreed or changed", blank=True)
    barriers = models.TextField("barriers to learning noticed", blank=True)
    actions = models.TextField("actions agreed", blank=True)
    refer_to_senco = models.BooleanField("refer to the SENCO", default=False)
    referral_reason = models.CharField(max_length=300, blank=True)
    referral_closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[targets_reviewed])

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["school", "held_on"]),
            models.Index(fields=["pupil", "held_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(refer_to_senco=False) | ~Q(referral_reason=""), name="review_referral_has_reason"
            )
        ]

    def __str__(self) -> str:
        return f"Review of {self.pupil_id} on {self.held_on}"


class PupilTargetComment(models.Model):
    """A pupil's own comment on one of their targets, added in the portal (or by staff on their behalf)."""

    target = models.ForeignKey("targets.CurricularTarget", on_delete=models.CASCADE, related_name="pupil_comments")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:50]


class ReportRun(models.Model):
    """One run of the job that writes a year group's reports for a window; the progress page polls it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    window = models.ForeignKey("schoolpl.AssessmentWindow", on_delete=models.CASCADE, related_name="+")
    year_group = models.SmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Reports for Year {self.year_group}, {self.window_id}: {self.status}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == self.Status.DONE else 0)

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class Report(models.Model):
    """A termly progress report for parents. ``content`` is the snapshot the job wrote (what parents read);
    nothing is sent before a member of staff releases it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (not released)"
        RELEASED = "released", "Released"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="parent_reports")
    window = models.ForeignKey("schoolpl.AssessmentWindow", on_delete=models.CASCADE, related_name="+")
    year_group = models.SmallIntegerField()
    content = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    generated_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_read_at = models.DateTimeField(null=True, blank=True)
    read_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pupil__legal_surname", "pupil__legal_forename", "pk"]
        constraints = [models.UniqueConstraint(fields=["pupil", "window"], name="one_report_per_pupil_window")]
        indexes = [models.Index(fields=["school", "window", "year_group", "status"])]

    def __str__(self) -> str:
        return f"Report for {self.pupil_id}, window {self.window_id}"

    @property
    def is_released(self) -> bool:
        return self.status == self.Status.RELEASED


class ReportSend(models.Model):
    """Every time a released report went to a parent or carer: by email (with a link) or printed."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email with a link"
        PRINT = "print", "Printed"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sends")
    contact = models.ForeignKey("pupils.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    email = models.EmailField(blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} of report {self.report_id}"
