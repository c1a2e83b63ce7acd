"""Factories for assessment data. Child objects take their school from their parent (the pupil or subject)."""

from __future__ import annotations

import factory
from django.utils import timezone

from assessment.frameworks import framework_install
from assessment.models import Focus, FocusJudgement, Judgement, LearningObjective, Subject, SuccessCriterion
from tests.pupils.factories import PupilFactory, pupil_in, taught_group  # noqa: F401  (re-exported)
from tests.schoolpl.factories import AssessmentWindowFactory  # noqa: F401


def subjects_for(school) -> dict[str, Subject]:
    """Install the shipped frameworks in ``school`` and return its subjects by code."""
    framework_install(school=school)
    return {s.code: s for s in Subject.objects.filter(school=school)}


class JudgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Judgement

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    subject = factory.LazyAttribute(lambda o: subjects_for(o.pupil.school)["reading"])
    window = factory.SubFactory(AssessmentWindowFactory)
    grade = "4b"
    points = 27
    judged_at = factory.LazyFunction(timezone.now)


class FocusJudgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocusJudgement

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    focus = factory.LazyAttribute(lambda o: Focus.objects.filter(subject__school=o.pupil.school).first())
    subject = factory.SelfAttribute("focus.subject")
    window = factory.SubFactory(AssessmentWindowFactory)
    grade = "4b"
    points = 27
    judged_at = factory.LazyFunction(timezone.now)


class LearningObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningObjective

    group = factory.SubFactory("tests.pupils.factories.TeachingGroupFactory")
    school = factory.SelfAttribute("group.school")
    title = "use inference to explain a character's actions"
    taught_on = factory.LazyFunction(timezone.localdate)


def objective_with_criteria(group, *texts: str) -> LearningObjective:
    objective = LearningObjectiveFactory(group=group)
    for i, text in enumerate(texts or ("I can find a clue in the text", "I can explain what it tells me")):
        SuccessCriterion.objects.create(objective=objective, text=text, order=i)
    return objective
