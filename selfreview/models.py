"""The self-review annex: the nine features and their 32 items (data, loaded by migration), reviews per school
with three dated phases, and ratings 1–4 per item per phase with notes and evidence links."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .annex import PHASES, RATING_SCALE

PHASE_CHOICES = [(p, f"Phase {p}") for p in PHASES]
RATING_CHOICES = list(RATING_SCALE)
DEFAULT_ACTION_WEEKS = 4


class Feature(models.Model):
    """One of the nine features of personalised learning (seed 001), with its checklist prompts."""

    number = models.PositiveSmallIntegerField(unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    guidance = models.JSONField(default=list, blank=True, help_text="The feature's developing-practice prompts.")

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class AnnexItem(models.Model):
    """One annex item, e.g. 3c "using APP as a central part of periodic assessment"."""

    feature = models.ForeignKey(Feature, on_delete=models.PROTECT, related_name="items")
    letter = models.CharField(max_length=1)
    code = models.CharField(max_length=3, unique=True)
    text = models.TextField()
    position = models.PositiveSmallIntegerField(unique=True, help_text="Order in the annex, 1–32.")

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["feature", "letter"], name="annex_item_unique_letter")]

    def __str__(self) -> str:
        return f"{self.code}) {self.text}"


class Review(models.Model):
    """One self-review of a school against the annex. Schools keep every review, year after year."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="self_reviews")
    title = models.CharField(max_length=200)
    academic_year_label = models.CharField("academic year", max_length=20, help_text="For example 2025/26.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    action_weeks = models.PositiveSmallIntegerField(
        "weeks to act on a flag",
        default=DEFAULT_ACTION_WEEKS,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
        help_text="Item 2c counts a pupil flagged behind, well behind or stuck as acted on when a target changed, a "
        "classroom follow-up or a provision started, or a progress review was held within this many weeks.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["school", "-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.academic_year_label})"


class ReviewPhase(models.Model):
    """Phase 1, 2 or 3 of a review, with its date (empty until the school plans it). Dates strictly increase
    with the phase number; ``services.phase_set_date`` checks that before saving."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="phases")
    phase = models.PositiveSmallIntegerField(choices=PHASE_CHOICES)
    date = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "phase"]
        constraints = [
            models.UniqueConstraint(fields=["review", "phase"], name="review_phase_unique"),
            models.CheckConstraint(condition=Q(phase__gte=1, phase__lte=3), name="review_phase_1_3"),
        ]

    def __str__(self) -> str:
        return f"Phase {self.phase}: {self.date or 'no date'}"


class Rating(models.Model):
    """An item's rating in one phase of a review: 1 (a strong feature) to 4 (needs significant development).

    The rating may be empty while notes are drafted. ``version`` is bumped by every save; a save that names an
    older version is refused so that two colleagues filling in the grid never overwrite each other silently.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    item = models.ForeignKey(AnnexItem, on_delete=models.PROTECT, related_name="+")
    phase = models.PositiveSmallIntegerField(choices=PHASE_CHOICES)
    rating = models.PositiveSmallIntegerField(choices=RATING_CHOICES, null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    evidence_links = models.TextField(blank=True, default="", help_text="Links or references, one a line.")
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change, to detect edit conflicts.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "item__position", "phase"]
        constraints = [
            models.UniqueConstraint(fields=["review", "item", "phase"], name="rating_unique_cell"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=4), name="rating_1_4"
            ),
            models.CheckConstraint(condition=Q(phase__gte=1, phase__lte=3), name="rating_phase_1_3"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} phase {self.phase}: {self.rating}"

    @property
    def links(self) -> list[str]:
        return [line.strip() for line in self.evidence_links.splitlines() if line.strip()]


class Focus(models.TextChoices):
    """What a lesson observation or learning walk looked at: the annex prompts that are seen in lessons, keyed
    by their item code (so each focus is the evidence for that item)."""

    QUESTIONING = "1c", "Questioning, modelling and explaining"
    PUPIL_TALK = "1d", "Pupil talk, individually and in groups"
    INDEPENDENCE = "1e", "Pupil independence"
    GROUPING = "5b", "Grouping options (whole class, small groups, pairs)"
    GUIDED = "5c", "Guided learning"
    ORGANISATION = "6a", "Classroom organisation"
    RESOURCES = "6b", "Learning resources and ICT"
    OUTDOOR = "6d", "The outdoor classroom"


class Judgement(models.TextChoices):
    SECURE = "secure", "Secure"
    DEVELOPING = "developing", "Developing"
    NOT_SEEN = "not_seen", "Not seen"


class Observation(models.Model):
    """A lesson observation or one class's visit on a learning walk: who saw which class (or teacher) when, what
    it looked at (``ObservationFocus``), with strengths and next steps. About teaching, never a pupil: a SIP
    reads only counts (``walks.summary``)."""

    class Kind(models.TextChoices):
        LESSON = "lesson", "Lesson observation"
        WALK = "walk", "Learning walk"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="observations")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LESSON)
    date = models.DateField()
    observer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="observations_made"
    )
    group = models.ForeignKey(
        "pupils.TeachingGroup",
        verbose_name="class or set",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="observations",
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="teacher observed",
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # an observation without its class needs its teacher (the check below)
        related_name="observations_of",
    )
    strengths = models.TextField(blank=True, default="")
    next_steps = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["school", "-date", "-pk"]
        indexes = [models.Index(fields=["school", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=False) | Q(teacher__isnull=False), name="observation_group_or_teacher"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date:%-d %b %Y}"


class ObservationFocus(models.Model):
    """One focus of an observation and how it was judged."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="focuses")
    focus = models.CharField(max_length=3, choices=Focus.choices)
    judgement = models.CharField(max_length=12, choices=Judgement.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["observation", "focus"]
        constraints = [models.UniqueConstraint(fields=["observation", "focus"], name="observation_focus_unique")]

    def __str__(self) -> str:
        return f"{self.get_focus_display()}: {self.get_judgement_display()}"
