"""Assessment: subjects and their assessment focuses, criteria, periodic judgements (overall and per focus),
transitional (end of key stage) results, and day-to-day objectives with pupils' self- and peer-assessment.

Every judgement stores its label *and* its points on the subject's scale (``assessment.scales``), so that
everything downstream is arithmetic on numbers.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from . import scales


class SchoolScale(models.Model):
    """A school's own scale (assessment without levels) or its own points for P-scales.

    Built-in scales live in ``assessment.scales``; a row here with the same code as a built-in overrides it
    for this school only where the pure module allows (P-scale points)."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="scales")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    steps = models.JSONField(help_text="Ordered [label, points] pairs, lowest first.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="school_scale_unique_code")]

    def __str__(self) -> str:
        return self.name

    def as_scale(self) -> scales.Scale:
        return scales.custom_scale(self.code, self.name, [(label, float(points)) for label, points in self.steps])


class Subject(models.Model):
    """An assessed subject (reading, writing, mathematics, science …) and the scale it is judged on."""

    focus_list: list[Focus]  # not a field: its focuses, when loaded by selectors.subjects_with_focuses

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="subjects")
    code = models.SlugField(max_length=30)
    name = models.CharField(max_length=60)
    scale_code = models.CharField(max_length=40, default="nc_full")
    group_subject = models.CharField(
        max_length=20, help_text="The teaching-group subject whose teachers assess it (reading → english)."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["school", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="subject_unique_code")]

    def __str__(self) -> str:
        return self.name


class Focus(models.Model):
    """An assessment focus (AF1 … AF8 in reading/writing; the five strands in mathematics)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="focuses")
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["subject", "order"]
        verbose_name_plural = "focuses"
        constraints = [models.UniqueConstraint(fields=["subject", "code"], name="focus_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Criterion(models.Model):
    """An assessment criterion statement for a focus at a level (school-editable)."""

    focus = models.ForeignKey(Focus, on_delete=models.CASCADE, related_name="criteria")
    level = models.CharField(max_length=10, help_text="The level this statement describes, e.g. 4 or P7.")
    text = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["focus", "level", "order"]
        verbose_name_plural = "criteria"

    def __str__(self) -> str:
        return f"{self.focus.code} L{self.level}: {self.text[:40]}"


class Judgement(models.Model):
    """A periodic overall judgement: pupil × subject × window."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="judgements")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="judgements")
    window = models.ForeignKey("schoolpl.AssessmentWindow", on_delete=models.PROTECT, related_name="judgements")
    grade = models.CharField(max_length=20)
    points = models.FloatField()
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    judged_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change, to detect edit conflicts.")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "subject", "window"], name="judgement_unique"),
        ]
        indexes = [
            models.Index(fields=["school", "subject", "window"]),
            models.Index(fields=["pupil", "subject"]),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.subject_id} {self.window_id}: {self.grade}"


class FocusJudgement(models.Model):
    """A periodic judgement for one assessment focus, with the criteria the teacher marked as met."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="focus_judgements")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    focus = models.ForeignKey(Focus, on_delete=models.CASCADE, related_name="judgements")
    window = models.ForeignKey("schoolpl.AssessmentWindow", on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=20)
    points = models.FloatField()
    criteria_met = models.ManyToManyField(Criterion, blank=True, related_name="+")
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    judged_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(m2m_fields=[criteria_met])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "focus", "window"], name="focus_judgement_unique"),
        ]
        indexes = [models.Index(fields=["school", "subject", "window"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.focus_id} {self.window_id}: {self.grade}"


class TransitionalResultQuerySet(models.QuerySet):
    def on_subject_line(self) -> TransitionalResultQuerySet:
        """The results whose points can start a trajectory on their subject's scale (:func:`scales.same_line`):
        on the subject's own scale, or NC / P-scale points on an NC / P-scale subject. A post-2014 result (a
        scaled score, EXS) is on a scale of its own and is left out."""
        level_line = sorted(scales.LEVEL_LINE)
        return self.filter(
            models.Q(scale="")
            | models.Q(scale=models.F("subject__scale_code"))
            | models.Q(scale__in=level_line, subject__scale_code__in=level_line)
        )


class TransitionalResult(models.Model):
    """An end-of-key-stage result (test or teacher assessment): the baseline for progress. ``points`` are on
    ``scale``: the subject's scale for a level, or a post-2014 result's own scale (``ks2_scaled``, ``ks1_pk`` …)."""

    class Method(models.TextChoices):
        TEST = "TT", "Test"
        TEACHER_ASSESSMENT = "TA", "Teacher assessment"

    class Source(models.TextChoices):
        CTF = "ctf", "Common Transfer File"
        CSV = "csv", "Spreadsheet import"
        MANUAL = "manual", "Entered"

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="transitional_results")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="transitional_results")
    key_stage = models.CharField(max_length=4, help_text="KS1, KS2, KS3 or KS4.")
    year = models.PositiveSmallIntegerField(help_text="Calendar year of the result.")
    method = models.CharField(max_length=2, choices=Method.choices)
    grade = models.CharField(max_length=20)
    points = models.FloatField(null=True, blank=True)
    scale = models.CharField(
        max_length=40, blank=True, help_text="The code of the scale the points are on; blank when there are none."
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    recorded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = TransitionalResultQuerySet.as_manager()

    class Meta:
        ordering = ["pupil", "key_stage", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "subject", "key_stage", "method"], name="transitional_result_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key_stage} {self.subject} {self.get_method_display()}: {self.grade}"

    @property
    def scale_name(self) -> str:
        """The name of the scale the points are on ("KS2 scaled scores"), or "" (none, or the school's own)."""
        scale = scales.BUILTIN_SCALES.get(self.scale)
        return scale.name if scale is not None else ""

    @property
    def off_subject_line(self) -> bool:
        """Points on a scale of their own (a post-2014 result on a levels subject): shown, but they cannot start
        a trajectory on the subject's scale (:func:`scales.same_line`)."""
        return self.points is not None and not scales.same_line(self.scale, self.subject.scale_code)


class LearningObjective(models.Model):
    """Day-to-day assessment: a learning objective for a lesson or sequence, with its success criteria."""

    school = models.ForeignKey("schoolpl.School", on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey("pupils.TeachingGroup", on_delete=models.CASCADE, related_name="objectives")
    focus = models.ForeignKey(Focus, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField("we are learning to…", max_length=200)
    taught_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taught_on", "pk"]

    def __str__(self) -> str:
        return self.title


class SuccessCriterion(models.Model):
    objective = models.ForeignKey(LearningObjective, on_delete=models.CASCADE, related_name="success_criteria")
    text = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["objective", "order"]
        verbose_name_plural = "success criteria"

    def __str__(self) -> str:
        return self.text


class CriterionRecord(models.Model):
    """A pupil's self- or peer-assessment (or the teacher's) against a success criterion."""

    class By(models.TextChoices):
        SELF = "self", "Self-assessment"
        PEER = "peer", "Peer assessment"
        TEACHER = "teacher", "Teacher"

    criterion = models.ForeignKey(SuccessCriterion, on_delete=models.CASCADE, related_name="records")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    by = models.CharField(max_length=10, choices=By.choices)
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text="1 not yet, 2 getting there, 3 got it.",
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["criterion", "pupil", "by"], name="criterion_record_unique"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=3), name="criterion_rating_1_3"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.criterion_id} {self.by}: {self.rating}"
