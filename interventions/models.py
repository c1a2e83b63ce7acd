"""Interventions: the programme catalogue, provision (a programme run for pupils by named staff over dates),
the session log with the teaching-sequence stage, entry and exit judgements for impact, classroom
follow-up, and the needs assessment (score cards, learning journals and learning-potential aims).

Arithmetic on impact and cost lives in the pure ``interventions.impact`` module; every write goes through
``interventions.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class Wave(models.IntegerChoices):
    QUALITY_FIRST = 1, "Wave 1: quality-first teaching"
    SMALL_GROUP = 2, "Wave 2: small-group catch-up"
    PERSONALISED = 3, "Wave 3: one-to-one / highly personalised"


class NeedArea(models.TextChoices):
    READING = "reading", "Reading"
    WRITING = "writing", "Writing"
    PHONICS = "phonics", "Phonics and early literacy"
    MATHS = "maths", "Mathematics"
    SPEECH = "speech", "Speech, language and communication"
    SOCIAL = "social", "Social, emotional and mental health"
    OTHER = "other", "Other"


class Programme(models.Model):
    """An intervention in the school's catalogue."""

    class CostBasis(models.TextChoices):
        PER_SESSION = "session", "per session (shared by the group)"
        PER_PUPIL = "pupil", "per pupil for the programme"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    wave = models.PositiveSmallIntegerField(choices=Wave.choices)
    subject = models.ForeignKey(
        "assessment.Subject",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The assessed subject whose judgements measure its impact, if any.",
    )
    need_area = models.CharField(max_length=10, choices=NeedArea.choices)
    group_size = models.PositiveSmallIntegerField(default=1, help_text="Pupils per group (1 = one-to-one).")
    sessions_per_week = models.PositiveSmallIntegerField(default=3)
    session_minutes = models.PositiveSmallIntegerField(default=30)
    length_weeks = models.PositiveSmallIntegerField(default=10)
    cost_basis = models.CharField(max_length=10, choices=CostBasis.choices, default=CostBasis.PER_SESSION)
    unit_cost = models.DecimalField("cost (£)", max_digits=8, decimal_places=2, default=0)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["wave", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="programme_unique_name"),
            models.CheckConstraint(condition=Q(wave__in=[1, 2, 3]), name="programme_wave_valid"),
            models.CheckConstraint(condition=Q(group_size__gte=1), name="programme_group_size_positive"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="programme_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def wave_short(self) -> str:
        return f"Wave {self.wave}"


class Provision(models.Model):
    """A programme run for a set of pupils by named staff from a start to an end date."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="provisions")
    name = models.CharField(max_length=120, help_text="For example 'Year 3 reading group A'.")
    start_date = models.DateField()
    end_date = models.DateField()
    targets = models.ManyToManyField("targets.CurricularTarget", blank=True, related_name="provisions")
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[targets])

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="provision_dates"),
        ]
        indexes = [models.Index(fields=["school", "end_date"])]

    def __str__(self) -> str:
        return self.name


class ProvisionPupil(models.Model):
    """A pupil's place in a provision: pupils can join late and leave early."""

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="places")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="provision_places")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True, help_text="Only if the pupil left before the end.")
    leaving_reason = models.CharField(max_length=200, blank=True)
    # Where a programme tests reading or spelling age: Brooks' ratio gain = months gained ÷ months in the place.
    entry_age_months = models.PositiveSmallIntegerField("reading/spelling age at entry (months)", null=True, blank=True)
    exit_age_months = models.PositiveSmallIntegerField("reading/spelling age at exit (months)", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["provision", "pupil"]
        constraints = [
            models.UniqueConstraint(fields=["provision", "pupil"], name="provision_pupil_unique"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")), name="provision_pupil_dates"
            ),
        ]
        indexes = [models.Index(fields=["pupil", "left_on"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} in {self.provision_id}"


class ProvisionStaff(models.Model):
    class Role(models.TextChoices):
        TEACHER = "teacher", "Teacher"
        TA = "ta", "Teaching assistant"
        TUTOR = "tutor", "Tutor"

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.TA)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provision", "user"], name="provision_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Stage(models.TextChoices):
    """The teaching sequence a session follows."""

    INTRODUCE = "introduce", "Introduce"
    REMEMBER = "remember", "Remember"
    MODEL = "model", "Model"
    TRY = "try", "Try"
    APPLY = "apply", "Apply"
    SECURE = "secure", "Secure"
    REVIEW = "review", "Review"


class InterventionSession(models.Model):
    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField()
    stage = models.CharField("teaching-sequence stage", max_length=10, choices=Stage.choices)
    minutes = models.PositiveSmallIntegerField(default=30)
    notes = models.TextField(blank=True)
    led_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["provision", "date"])]

    def __str__(self) -> str:
        return f"{self.provision} on {self.date}"


class SessionAttendance(models.Model):
    session = models.ForeignKey(InterventionSession, on_delete=models.CASCADE, related_name="attendance")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "pupil"], name="attendance_unique")]

    def __str__(self) -> str:
        return f"{self.pupil_id} {'present' if self.present else 'absent'}"


class FollowUp(models.Model):
    """What a pupil learned in an intervention that the class teacher should build on, and what the class
    teacher did about it."""

    place = models.ForeignKey(ProvisionPupil, on_delete=models.CASCADE, related_name="follow_ups")
    learned = models.TextField("learned in the intervention, to build on in class")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_on = models.DateField()
    classroom_note = models.TextField("how it was followed up in class", blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    followed_up_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_on", "-pk"]

    def __str__(self) -> str:
        return self.learned[:60]


class ImpactJudgement(models.Model):
    """An entry or exit judgement recorded for a pupil's place in a provision (overrides the one taken from
    periodic assessments)."""

    class Kind(models.TextChoices):
        ENTRY = "entry", "Entry"
        EXIT = "exit", "Exit"

    place = models.ForeignKey(ProvisionPupil, on_delete=models.CASCADE, related_name="impact_judgements")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    grade = models.CharField(max_length=20, blank=True)
    points = models.FloatField()
    judged_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["place", "kind"], name="impact_judgement_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.points}"


# --- Needs assessment (score card, learning journal, learning-potential aims) -----------------------------


class SuccessCharacteristic(models.Model):
    """One of the school's characteristics of successful learners (learning skills, attendance, …)."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="characteristic_unique_name")]

    def __str__(self) -> str:
        return self.name


class ScoreCard(models.Model):
    """A dated needs-assessment score card for a pupil; the first is the baseline."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="score_cards")
    taken_on = models.DateField()
    referred = models.BooleanField("referred for additional support", default=False)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["pupil", "taken_on", "pk"]
        indexes = [models.Index(fields=["school", "pupil", "taken_on"])]

    def __str__(self) -> str:
        return f"Score card {self.pupil_id} {self.taken_on}"


def _zero_to_ten(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0, f"{field}__lte": 10})


class ScoreCardRating(models.Model):
    """One characteristic rated 0–10 by the professional, the pupil and the parent."""

    card = models.ForeignKey(ScoreCard, on_delete=models.CASCADE, related_name="ratings")
    characteristic = models.ForeignKey(SuccessCharacteristic, on_delete=models.PROTECT, related_name="+")
    professional = models.PositiveSmallIntegerField("professional's view", null=True, blank=True)
    pupil_view = models.PositiveSmallIntegerField("pupil's view", null=True, blank=True)
    parent_view = models.PositiveSmallIntegerField("parent's view", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["card", "characteristic"], name="rating_unique"),
            models.CheckConstraint(condition=_zero_to_ten("professional"), name="rating_professional_0_10"),
            models.CheckConstraint(condition=_zero_to_ten("pupil_view"), name="rating_pupil_0_10"),
            models.CheckConstraint(condition=_zero_to_ten("parent_view"), name="rating_parent_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.characteristic}: {self.average}"

    @property
    def average(self) -> float | None:
        from .impact import mean_rating

        return mean_rating([self.professional, self.pupil_view, self.parent_view])


class JournalQuestion(models.Model):
    """An agreed learning-journal question ("Is anything stopping me from learning?")."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    scale = models.BooleanField(
        "answered from 0 to 10", default=False, help_text="Answered with a whole number from 0 to 10."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class JournalEntry(models.Model):
    """A pupil's answer to one journal question on one date, reviewed one-to-one with a tutor."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="journal_entries")
    question = models.ForeignKey(JournalQuestion, on_delete=models.PROTECT, related_name="entries")
    written_on = models.DateField()
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The answer to a 0–10 question (JournalQuestion.scale)."
    )
    answer = models.TextField(blank=True, help_text="The answer; for a 0–10 question, a note beside the score.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_on = models.DateField(null=True, blank=True)
    next_steps = models.TextField("agreed next steps", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pupil", "-written_on", "question__order"]
        verbose_name_plural = "journal entries"
        constraints = [models.CheckConstraint(condition=_zero_to_ten("score"), name="journal_score_0_10")]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.written_on}: {self.question_id}"


class LearningAim(models.Model):
    """A learning-potential aim built from what blocks and what enables a pupil's learning."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        MET = "met", "Met"
        DROPPED = "dropped", "No longer needed"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="learning_aims")
    blockers = models.TextField(blank=True, help_text="What blocks this pupil's learning.")
    enablers = models.TextField(blank=True, help_text="What helps this pupil learn.")
    aim = models.CharField(max_length=300, help_text="Starts with 'to…', e.g. 'to experience success in sport'.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["pupil", "-created_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(aim__istartswith="to "), name="aim_starts_with_to"),
        ]

    def __str__(self) -> str:
        return self.aim


# Pupil passports: a passport is "current" on a day when it was written or last reviewed in the 122 days
# (four months: one school term and the holiday after it) up to that day; the next review falls due a term on.
PASSPORT_CURRENT_DAYS = 122
PASSPORT_REVIEW_DAYS = 91


class Passport(models.Model):
    """A pupil's one-page "what helps me", written with the pupil (SEN support or EHC plan), reviewed termly,
    read by every teacher of the pupil."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.OneToOneField("pupils.Pupil", on_delete=models.CASCADE, related_name="passport")
    about_me = models.TextField(
        "about me", help_text="In the pupil's own words: what they like, what they are good at."
    )
    find_hard = models.TextField("what I find hard", blank=True)
    helps_me = models.TextField("what helps me", help_text="In the pupil's own words: what adults can do to help.")
    contributors = models.CharField(
        "written with",
        max_length=200,
        help_text="Who wrote it with the pupil, e.g. 'Pupil, mum, class teacher, SENCO'.",
    )
    pupil_contributed = models.BooleanField("the pupil gave their own views", default=True)
    written_on = models.DateField()
    reviewed_on = models.DateField(help_text="The latest review (the writing date until the first review).")
    next_review_on = models.DateField("next review due")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["pupil"]
        constraints = [
            models.CheckConstraint(condition=Q(reviewed_on__gte=F("written_on")), name="passport_reviewed_after"),
            models.CheckConstraint(condition=Q(next_review_on__gt=F("reviewed_on")), name="passport_next_review"),
        ]

    def __str__(self) -> str:
        return f"Pupil passport for {self.pupil_id}"


class PassportReview(models.Model):
    """A dated review of a passport with the pupil (the writing itself is the first)."""

    passport = models.ForeignKey(Passport, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pupil_contributed = models.BooleanField("the pupil took part", default=True)
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["passport", "-reviewed_on", "-pk"]
        indexes = [models.Index(fields=["passport", "reviewed_on"])]

    def __str__(self) -> str:
        return f"Review of {self.passport_id} on {self.reviewed_on}"


class Adjustment(models.Model):
    """A reasonable adjustment on a passport, from a date until it is no longer needed (ended, never deleted)."""

    class Kind(models.TextChoices):
        ICT = "ict", "ICT or assistive technology"
        ACCESS = "access", "Access arrangements (tests and exams)"
        SEATING = "seating", "Seating and the classroom"
        RESOURCES = "resources", "Resources (visual timetable, overlays, word mats)"
        TIME = "time", "Time (extra time, movement breaks)"
        ADULT = "adult", "Adult support"
        COMMUNICATION = "communication", "Communication (instructions, signing, symbols)"
        OTHER = "other", "Other"

    passport = models.ForeignKey(Passport, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    description = models.CharField(max_length=300)
    added_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True, help_text="When it was no longer needed.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["passport", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("added_on")), name="adjustment_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"


# The kinds of adjustment that give access for disabled pupils and those with SEN (annex item 6c).
ACCESS_KINDS = (Adjustment.Kind.ICT, Adjustment.Kind.ACCESS)


class AgencyInvolvement(models.Model):
    """Another service's work with a pupil: an early help assessment, a team around the child, a referral.
    Seen by the SENCO and senior leaders only; a SIP sees counts."""

    class Kind(models.TextChoices):
        EARLY_HELP = "early_help", "Early help assessment (CAF)"
        TAC = "tac", "Team around the child"
        REFERRAL = "referral", "Referral to a service"

    class Service(models.TextChoices):
        HEALTH = "health", "Health (school nurse, GP, paediatrics)"
        SOCIAL_CARE = "social_care", "Children's social care"
        ED_PSYCH = "ed_psych", "Educational psychology"
        SALT = "salt", "Speech and language therapy"
        CAMHS = "camhs", "CAMHS (child and adolescent mental health)"
        OT = "ot", "Occupational therapy or physiotherapy"
        FAMILY = "family", "Family support or early help team"
        OTHER = "other", "Other service"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="agency_involvements")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    service = models.CharField(max_length=12, choices=Service.choices)
    referred_on = models.DateField("referred or started on")
    first_contact_on = models.DateField("first contact or meeting", null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    lead_professional = models.CharField(max_length=120, blank=True)
    reason = models.TextField("why", blank=True)
    outcome = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-referred_on", "-pk"]
        indexes = [models.Index(fields=["school", "referred_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_contact_on__isnull=True) | Q(first_contact_on__gte=F("referred_on")),
                name="agency_first_contact_after_referral",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("referred_on")),
                name="agency_closed_after_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_service_display()}"

    @property
    def days_to_contact(self) -> int | None:
        return (self.first_contact_on - self.referred_on).days if self.first_contact_on else None
