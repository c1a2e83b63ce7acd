"""Targets in the browser: a teacher sets a pupil's target in the pupil's own words; a leader follows a
whole-school target down, level by level, to a pupil it reached."""

from __future__ import annotations

import re

import pytest

from targets import services
from targets.models import CurricularTarget
from tests.e2e.conftest import log_in
from tests.schoolpl.factories import PASSWORD
from tests.targets.factories import PupilFactory, SubjectFactory, TeachingGroupFactory, enrol, teach

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PUPIL_WORDS = "I will find a quotation to prove how the character feels."


@pytest.fixture
def taught_pupil(school, teacher):
    """A Year 6 pupil in a class the teacher teaches, and the school's reading subject."""
    klass = TeachingGroupFactory(school=school, name="6B")
    teach(klass, teacher)
    pupil = PupilFactory(school=school, legal_forename="Amara", legal_surname="Okafor")
    enrol(klass, pupil)
    SubjectFactory(school=school, code="reading")
    return pupil


def test_teacher_sets_a_pupil_target_in_the_pupils_own_words(taught_pupil, teacher, browser_page):
    page = browser_page
    log_in(page, "teacher", PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()

    # From the pupil's profile to all of her targets.
    page.goto(f"/pupils/{taught_pupil.pk}/")
    page.get_by_role("link", name="All targets").click()
    page.get_by_role("heading", name="Targets for Amara Okafor").wait_for()
    assert "No curricular targets for Amara yet." in page.locator("main").inner_text()
    page.console.assert_clean()

    page.get_by_role("link", name="Set a target with Amara").click()
    page.get_by_role("heading", name="Set a target with Amara Okafor").wait_for()
    page.get_by_label(re.compile(r"^\W*Target\W*$")).fill("Find a quotation that shows how the character feels.")
    page.get_by_label("In the pupil's own words").fill(PUPIL_WORDS)
    page.get_by_label("Agreed with the pupil").check()
    page.get_by_label("Subject").select_option(label="Reading")
    page.console.assert_clean()
    page.get_by_role("button", name="Save target").click()

    page.get_by_role("heading", name="Targets for Amara Okafor").wait_for()
    main = page.locator("main")
    assert "Target set for Amara Okafor." in main.inner_text()
    card = main.locator("article", has_text="Find a quotation that shows how the character feels.")
    assert card.count() == 1
    assert card.locator("blockquote").inner_text() == f"“{PUPIL_WORDS}”"
    assert "Agreed with Amara" in card.inner_text()
    page.console.assert_clean()

    target = CurricularTarget.objects.get(pupil=taught_pupil)
    assert target.level == CurricularTarget.Level.PUPIL
    assert target.pupil_words == PUPIL_WORDS
    assert target.agreed_with_pupil is True
    assert target.created_by == teacher
    assert target.subject.code == "reading"


@pytest.fixture
def target_chain(school, leader, teacher):
    """A reading target for the whole school, derived down through Year 6, class 6B and a small group to
    one pupil (Zofia Kowalska), as the services build it."""
    reading = SubjectFactory(school=school, code="reading")
    klass = TeachingGroupFactory(school=school, name="6B")
    teach(klass, teacher)
    zofia = PupilFactory(school=school, legal_forename="Zofia", legal_surname="Kowalska")
    others = [PupilFactory(school=school) for _ in range(3)]
    enrol(klass, zofia, *others)
    top = services.curricular_target_create(
        school=school,
        level="school",
        term="long",
        text="Pupils explain what they infer from a text, using evidence from it.",
        subject=reading,
        by=leader,
    )
    year6 = services.curricular_target_derive(
        parent=top, level="year", text="Year 6 pupils support every inference with a quotation.", year_group=6
    )
    class_target = services.curricular_target_derive(
        parent=year6,
        level="class",
        term="medium",
        text="6B: explain a character's motives with evidence.",
        teaching_group=klass,
        by=teacher,
    )
    group = services.curricular_target_derive(
        parent=class_target,
        level="group",
        term="medium",
        text="Use 'because' to link a point to the evidence.",
        group_pupils=[zofia, others[0]],
        by=teacher,
    )
    services.curricular_target_derive(
        parent=group,
        level="pupil",
        term="short",
        text="Find a quotation that shows how the character feels.",
        pupil=zofia,
        pupil_words="I will say how the character feels and why.",
        agreed_with_pupil=True,
        by=teacher,
    )
    return {"top": top, "year": year6, "class": class_target, "group": group, "pupil": zofia}


def test_leader_follows_a_whole_school_target_down_to_a_pupil(target_chain, browser_page):
    page = browser_page
    log_in(page, "leader", PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()

    page.goto("/targets/curricular/")
    page.get_by_role("heading", name="Curricular targets").wait_for()
    page.console.assert_clean()

    # Each page lists what was derived below it; open the next level down, as a person would.
    path = [target_chain[level] for level in ("top", "year", "class", "group")]
    page.get_by_role("link", name=path[0].text, exact=True).click()
    for here, below in zip(path, [*path[1:], None], strict=True):
        page.get_by_role("heading", name=here.text, exact=True).wait_for()
        page.console.assert_clean()
        if below is not None:
            page.locator("main .target-tree").get_by_role("link", name=below.text, exact=True).click()

    # On the group's page the pupil target names the pupil it reached; her name leads to her targets.
    tree = page.locator("main .target-tree")
    assert "Zofia Kowalska" in tree.inner_text()
    assert "Find a quotation that shows how the character feels." in tree.inner_text()
    tree.get_by_role("link", name="Zofia Kowalska").click()
    page.get_by_role("heading", name="Targets for Zofia Kowalska").wait_for()
    card = page.locator("main article", has_text="Find a quotation that shows how the character feels.")
    assert "from “Use 'because' to link a point to the evidence.”" in card.inner_text()
    assert page.get_by_role("heading", name="Targets for Zofia Kowalska").is_visible()
    page.console.assert_clean()
