"""The test run catches N+1 queries: django-zeal is installed and wraps every request (tests/isolation.py)."""

import pytest
from django.conf import settings
from zeal import zeal_context
from zeal.errors import NPlusOneError

from pupils.models import Pupil
from tests.pupils.factories import PupilFactory


def test_zeal_is_on_for_every_request_in_the_test_run():
    assert "zeal" in settings.INSTALLED_APPS
    assert settings.MIDDLEWARE[-1] == "zeal.middleware.zeal_middleware"


@pytest.mark.django_db
def test_a_relation_loaded_row_by_row_fails():
    first = PupilFactory()
    PupilFactory(school=first.school)

    with zeal_context(), pytest.raises(NPlusOneError):
        for pupil in Pupil.objects.all():
            assert pupil.school.name


@pytest.mark.django_db
def test_the_same_loop_with_select_related_passes():
    first = PupilFactory()
    PupilFactory(school=first.school)

    with zeal_context():
        names = [pupil.school.name for pupil in Pupil.objects.select_related("school")]
    assert len(names) == 2
