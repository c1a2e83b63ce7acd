"""The chain from a pupil's number to their words (``targets.chain``): a numeric target, the curricular targets
serving it, the provision serving those; on the pupil's targets page, the profile panel, the target form and
the provision's page, scoped by role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import sign_in
from targets import chain
from targets.models import CurricularTarget
from tests.interventions.factories import ProgrammeFactory, ProvisionFactory
from tests.targets.factories import (
    CurricularTargetFactory,
    PupilFactory,
    PupilTargetFactory,
    SubjectFactory,
    TeachingGroupFactory,
    enrol,
    teach,
)

WORDS = "I can find evidence in the text to explain my ideas"


@pytest.fixture
def chained(school, teacher):
    """A pupil in the teacher's class with a reading target of 4b (27 points), two reading targets of their own
    (one serving the number, one not) and a wave 2 provision serving the first."""
    group = TeachingGroupFactory(school=school, subject="english", name="6C")
    teach(group, teacher)
    pupil = PupilFactory(school=school, legal_forename="Maya", legal_surname="Chainer")
    enrol(group, pupil)
    reading = SubjectFactory(school=school, code="reading")
    numeric = PupilTargetFactory(pupil=pupil, subject=reading, target_points=27.0)
    serving = CurricularTargetFactory(
        school=school,
        level=CurricularTarget.Level.PUPIL,
        term="short",
        pupil=pupil,
        subject=reading,
        text="Use evidence from the text (AF3)",
        pupil_words=WORDS,
        agreed_with_pupil=True,
        review_date=dt.date(2026, 3, 20),
        serves=numeric,
    )
    other = CurricularTargetFactory(
        school=school,
        level=CurricularTarget.Level.PUPIL,
        term="short",
        pupil=pupil,
        subject=reading,
        text="Read aloud at home",
        pupil_words="I read to my gran every night",
    )
    provision = ProvisionFactory(
        programme=ProgrammeFactory(school=school, name="Reading catch-up", wave=2), name="Year 6 reading group"
    )
    provision.targets.add(serving)
    return {
        "pupil": pupil,
        "reading": reading,
        "numeric": numeric,
        "serving": serving,
        "other": other,
        "provision": provision,
    }


def _flat(html: bytes) -> str:
    return " ".join(html.decode().split())


def test_the_chain_runs_from_the_number_to_the_pupils_words(chained, django_assert_num_queries):
    with django_assert_num_queries(4):  # numeric targets, scales, curricular targets, provision
        chains = chain.chain_for_pupil(chained["pupil"])
    assert len(chains) == 1
    (reading,) = chains
    assert reading.numeric == chained["numeric"] and reading.numeric.target_grade == "4b"
    assert [link.target for link in reading.links] == [chained["serving"]]
    (link,) = reading.links
    assert (link.words, link.level, link.provisions) == (WORDS, "pupil target", ["Wave 2: Reading catch-up"])


def test_a_group_target_serves_its_pupils_numbers_and_the_queries_stay_constant(
    school, chained, django_assert_num_queries
):
    pupil = chained["pupil"]
    maths = SubjectFactory(school=school, code="maths", name="Mathematics")
    PupilTargetFactory(pupil=pupil, subject=maths, target_points=33.0)
    group_target = CurricularTargetFactory(
        school=school, level="group", term="medium", subject=chained["reading"], text="AF3 group"
    )
    group_target.group_pupils.set([pupil, PupilFactory(school=school)])
    no_number = CurricularTargetFactory(
        school=school, level="group", term="medium", subject=SubjectFactory(school=school, code="writing")
    )
    no_number.group_pupils.set([pupil])
    replaced = CurricularTargetFactory(
        school=school, level="pupil", term="short", pupil=pupil, subject=chained["reading"], status="replaced"
    )
    replaced.serves = chained["numeric"]
    replaced.save()
    for n in range(3):
        ProvisionFactory(programme=ProgrammeFactory(school=school, wave=3, name=f"One-to-one {n}")).targets.add(
            group_target
        )
    with django_assert_num_queries(4):
        chains = chain.chain_for_pupil(pupil)
    by_subject = {c.subject.code: c for c in chains}
    assert set(by_subject) == {"reading", "maths"}  # writing has no number to serve
    assert [link.target for link in by_subject["reading"].links] == [group_target, chained["serving"]]
    assert by_subject["reading"].links[0].level == "group target"
    assert by_subject["reading"].links[0].provisions == [f"Wave 3: One-to-one {n}" for n in range(3)]
    assert by_subject["maths"].numeric.target_grade == "5b" and by_subject["maths"].links == []


def test_the_pupils_targets_page_and_profile_show_the_chain(client, school, teacher, chained):
    sign_in(client, teacher, school)
    pupil = chained["pupil"]
    for url in (reverse("targets:pupil", args=[pupil.pk]), reverse("pupils:detail", args=[pupil.pk])):
        page = _flat(client.get(url).content)
        start = page.index("From the number to Maya")
        ends = [page.find(end, start) for end in ("</section>", "Current targets")]
        section = page[start : min(e for e in ends if e > 0)]
        assert "Target 4b in reading" in section
        assert (
            f"← served by: “{WORDS}” (pupil target, agreed; active; review by 20 Mar 2026) ← Wave 2: Reading catch-up"
            in (section)
        )
        assert "I read to my gran" not in section  # a reading target that does not serve the number
        assert f"{reverse('targets:pupil_target_new', args=[pupil.pk])}?subject={chained['reading'].pk}" in section


def test_a_teacher_not_teaching_the_pupil_gets_404_and_a_sip_never_sees_names(client, school, chained, sip):
    from tests.schoolpl.factories import MembershipFactory, UserFactory

    stranger = UserFactory(username="other_teacher")
    MembershipFactory(user=stranger, school=school, role="teacher")
    sign_in(client, stranger, school)
    pupil = chained["pupil"]
    assert client.get(reverse("targets:pupil", args=[pupil.pk])).status_code == 404
    assert client.get(reverse("targets:pupil_target_new", args=[pupil.pk])).status_code == 404
    assert client.get(reverse("pupils:detail", args=[pupil.pk])).status_code == 404
    client.logout()
    sign_in(client, sip, school)
    for url in (
        reverse("targets:pupil", args=[pupil.pk]),
        reverse("pupils:detail", args=[pupil.pk]),
        reverse("interventions:provision_detail", args=[chained["provision"].pk]),
    ):
        response = client.get(url)
        assert response.status_code in (403, 404)
        assert "Maya" not in response.content.decode() and WORDS not in response.content.decode()


def test_the_form_is_prefilled_with_the_number_and_links_the_new_target(client, school, teacher, chained):
    sign_in(client, teacher, school)
    pupil, numeric, reading = chained["pupil"], chained["numeric"], chained["reading"]
    url = reverse("targets:pupil_target_new", args=[pupil.pk])
    form = _flat(client.get(f"{url}?subject={reading.pk}").content)
    assert f'<option value="{numeric.pk}" selected>Reading: target 4b by Jul 2026</option>' in form
    response = client.post(
        url,
        {"text": "Explain a character's choice", "pupil_words": "I can say why", "term": "short", "serves": numeric.pk},
    )
    assert response.status_code == 302
    made = CurricularTarget.objects.get(text="Explain a character's choice")
    assert (made.serves, made.subject, made.pupil) == (numeric, reading, pupil)  # the subject from the number
    assert made in [link.target for link in chain.chain_for_pupil(pupil)[0].links]


def test_the_form_refuses_a_number_in_another_subject(client, school, teacher, chained):
    sign_in(client, teacher, school)
    maths = SubjectFactory(school=school, code="maths", name="Mathematics")
    response = client.post(
        reverse("targets:pupil_target_new", args=[chained["pupil"].pk]),
        {"text": "Times tables", "term": "short", "subject": maths.pk, "serves": chained["numeric"].pk},
    )
    assert response.status_code == 200
    assert "That numeric target is in Reading: choose the same subject." in response.content.decode()
    assert not CurricularTarget.objects.filter(text="Times tables").exists()


def test_serving_refuses_another_pupils_number(school, chained):
    other = PupilTargetFactory(pupil=PupilFactory(school=school), subject=chained["reading"])
    with pytest.raises(ValidationError):
        chain.curricular_target_serve(target=chained["other"], numeric=other)
    chain.curricular_target_serve(target=chained["other"], numeric=chained["numeric"])
    chained["other"].refresh_from_db()
    assert chained["other"].serves == chained["numeric"]


def test_the_provisions_page_lists_the_numbers_its_targets_serve(
    client, school, senco, chained, django_assert_max_num_queries
):
    from pupils.models import Pupil

    group_target = CurricularTargetFactory(school=school, level="group", term="medium", subject=chained["reading"])
    friend = PupilFactory(school=school, legal_forename="Ola", legal_surname="Friend")
    PupilTargetFactory(pupil=friend, subject=chained["reading"], target_points=21.0)
    group_target.group_pupils.set([friend])
    chained["provision"].targets.add(group_target)
    targets = list(chained["provision"].targets.all())
    with django_assert_max_num_queries(3):
        served = chain.served_by(targets, Pupil.objects.all())
    assert {(s.numeric.pupil, s.numeric.target_grade, s.via) for s in served} == {
        (chained["pupil"], "4b", chained["serving"]),
        (friend, "3b", group_target),
    }
    assert chain.served_by(targets, Pupil.objects.none()) == []
    sign_in(client, senco, school)
    page = _flat(client.get(reverse("interventions:provision_detail", args=[chained["provision"].pk])).content)
    assert "The numeric targets they serve" in page
    assert f"{chained['pupil'].display_name}: target 4b in reading by Jul 2026 ← “{WORDS}”" in page
    assert f"{friend.display_name}: target 3b in reading" in page
