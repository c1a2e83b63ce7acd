import io

import pytest
from django.core.management import call_command

from pupils.models import Pupil
from schoolpl.models import School

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_once_and_prints_every_login():
    out = io.StringIO()
    call_command("seed_demo", pupils=70, seed=7, stdout=out)
    assert Pupil.objects.filter(school__urn="131313", archived_at__isnull=True).count() == 70
    # Last summer's Year 6 left with their KS2 results: archived, never deleted.
    assert Pupil.objects.filter(school__urn="131313", archived_at__isnull=False, year_group=6).count() == 10
    # Each classroom follow-up names who did it ("Followed up in class by … on …", issue 16).
    from interventions.models import FollowUp

    done = FollowUp.objects.filter(followed_up_on__isnull=False)
    assert done.exists() and not done.filter(followed_up_by__isnull=True).exists()
    again = io.StringIO()
    call_command("seed_demo", pupils=70, seed=7, if_empty=True, stdout=again)  # a second `make run`
    assert School.objects.filter(urn="131313").count() == 1
    for text in (out.getvalue(), again.getvalue()):
        for username in ("teacher", "senco", "leader", "sip", "admin", "tutor", "parent", "pupil"):
            assert f"  {username} " in text, (username, text)
        assert "schoolpl-demo-2026" in text
