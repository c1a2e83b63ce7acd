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


# --- extended activities: clubs, trips, study support, family learning ---------------------------------------


class Activity(models.Model):
    """A club or out-of-hours activity (annex feature 8): who leads it, when it runs, and whether it
    involves parents, carers or the community. Its register is its members, sessions and attendance."""

    class Kind(models.TextChoices):
        CLUB = "club", "Club"
        SPORT = "sport", "Sport"
        ARTS = "arts", "Music, arts or drama"
        STUDY = "study_support", "Study support or homework club"
        TRIP = "trip", "Trip or visit"
        HOLIDAY = "holiday", "Holiday activity"
        FAMILY = "family_learning", "Family learning"
        COMMUNITY = "community", "Community or volunteering"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CLUB)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The member of staff who runs it and takes the register.",
    )
    provider = models.CharField(
        "outside provider", max_length=120, blank=True, help_text="A coach, charity or company that runs it, if any."
    )
    start_date = models.DateField("first day")
    end_date = models.DateField("last day")
    involves_parents = models.BooleanField("involves parents or carers", default=False)
    involves_community = models.BooleanField("involves the community", default=False)
    description = models.TextField(blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "name", "pk"]
        indexes = [models.Index(fields=["school", "start_date", "end_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="activity_dates_in_order")
        ]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return self.name

    @property
    def run_by(self) -> str:
        """ "Ms Khan with Riverside Football Club": the leader and any outside provider."""
        parts = [self.leader.get_full_name() or self.leader.username] if self.leader else []
        parts += [self.provider] if self.provider else []
        return " with ".join(parts) or "—"


class ActivityMember(models.Model):
    """A pupil on an activity's list (joined, and when they left it)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="members")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="activity_memberships")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "pupil"], name="activity_member_unique")]

    def __str__(self) -> str:
        return f"{self.pupil_id} in {self.activity_id}"


class ActivitySession(models.Model):
    """One meeting of an activity, with the number of parents or carers who came (family learning, a
    performance, a trip with helpers)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField("date")
    parents_attending = models.PositiveSmallIntegerField("parents and carers attending", default=0)
    community_attending = models.PositiveSmallIntegerField("community members attending", default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["held_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["activity", "held_on"], name="activity_session_unique")]
        indexes = [models.Index(fields=["held_on"])]

    def __str__(self) -> str:
        return f"{self.activity_id} on {self.held_on}"


class ActivityAttendance(models.Model):
    """A mark in the register: the pupil was there (present) or not at one session."""

    session = models.ForeignKey(ActivitySession, on_delete=models.CASCADE, related_name="attendance")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="activity_attendance")
    present = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "pupil"], name="activity_attendance_unique")]
        indexes = [models.Index(fields=["pupil", "present"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} at {self.session_id}: {'present' if self.present else 'absent'}"


# --- pupil and parent voice: short surveys ------------------------------------------------------------------


class Survey(models.Model):
    """A short survey the school writes for pupils or for parents and carers (of pupils in some year groups),
    answered in the portal or on paper and entered by staff."""

    class Audience(models.TextChoices):
        PUPILS = "pupils", "Pupils"
        PARENTS = "parents", "Parents and carers"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=120)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.PUPILS)
    year_from = models.SmallIntegerField("from year group", default=1)
    year_to = models.SmallIntegerField("to year group", default=6)
    opens_on = models.DateField()
    closes_on = models.DateField()
    introduction = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    archived_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-opens_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="survey_dates_in_order"),
            models.CheckConstraint(condition=Q(year_to__gte=models.F("year_from")), name="survey_years_in_order"),
        ]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        AGREE = "agree", "Agree / disagree"
        TEXT = "text", "Free text"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.AGREE)
    is_key = models.BooleanField("key statement", default=False, help_text="Reported as evidence in the self-review.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    """One response to a survey: from a pupil, or from a parent or carer about their child. One per pupil
    (or family) per survey."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="survey_responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_paper = models.BooleanField(default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_on = models.DateField()

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "pupil"], name="one_response_per_survey_pupil")]

    def __str__(self) -> str:
        return f"Response to {self.survey_id} for {self.pupil_id}"


class SurveyAnswer(models.Model):
    """An answer: agreement 1 (strongly disagree) to 4 (strongly agree), or words."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    agreement = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, max_length=1000)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"
