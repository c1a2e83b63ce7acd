"""Service ValidationErrors reach API callers as 400s with field messages (one exception handler for the whole
API, ``schoolpl.api.exception_handler``), never as 500s."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from conftest import sign_in
from interventions.models import Programme
from tests.interventions.factories import CharacteristicFactory, ProgrammeFactory, PupilFactory

pytestmark = pytest.mark.django_db

PROGRAMME = {"name": "Reading catch-up", "wave": 2, "need_area": "reading", "group_size": 4}


@pytest.fixture
def api(client, senco, school):
    return sign_in(client, senco, school)


def test_duplicate_programme_name_is_a_400_on_the_name(api, school):
    ProgrammeFactory(school=school, name="Reading catch-up")
    response = api.post("/api/v1/programmes/", PROGRAMME, content_type="application/json")
    assert response.status_code == 400
    assert "already has a programme called" in response.json()["name"][0]
    assert Programme.objects.filter(school=school).count() == 1


def test_renaming_a_programme_to_a_taken_name_is_a_400(api, school):
    ProgrammeFactory(school=school, name="Reading catch-up")
    mine = ProgrammeFactory(school=school, name="Number sense")
    url = f"/api/v1/programmes/{mine.pk}/"
    response = api.patch(url, {"name": "Reading catch-up"}, content_type="application/json")
    assert response.status_code == 400
    assert "name" in response.json()
    response = api.put(url, {**PROGRAMME, "name": "Reading catch-up"}, content_type="application/json")
    assert response.status_code == 400
    assert "name" in response.json()
    mine.refresh_from_db()
    assert mine.name == "Number sense"


def test_a_programme_with_the_same_name_in_another_school_is_fine(api, school, other_school):
    ProgrammeFactory(school=other_school, name="Reading catch-up")
    assert api.post("/api/v1/programmes/", PROGRAMME, content_type="application/json").status_code == 201


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_programme_group_size_of_zero_is_a_400_on_group_size(api, school, method):
    mine = ProgrammeFactory(school=school, name="Number sense")
    url = "/api/v1/programmes/" if method == "post" else f"/api/v1/programmes/{mine.pk}/"
    body = {**PROGRAMME, "group_size": 0} if method != "patch" else {"group_size": 0}
    response = getattr(api, method)(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["group_size"] == ["Ensure this value is greater than or equal to 1."]
    mine.refresh_from_db()
    assert mine.group_size == 4


class _RaisesServiceErrors(APIView):
    permission_classes = ()
    authentication_classes = ()

    def post(self, request):
        kind = request.data["kind"]
        if kind == "field":
            raise ValidationError({"name": "Taken.", "__all__": "Not like that."})
        raise ValidationError("Something is wrong.")


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("field", {"name": ["Taken."], "non_field_errors": ["Not like that."]}),
        ("plain", {"non_field_errors": ["Something is wrong."]}),
    ],
)
def test_any_service_validation_error_in_the_api_is_a_400_with_its_messages(kind, body):
    request = APIRequestFactory().post("/", {"kind": kind}, format="json")
    response = _RaisesServiceErrors.as_view()(request)
    assert response.status_code == 400
    assert response.data == body


def test_a_score_card_rating_another_schools_characteristic_is_a_400(api, school, other_school):
    pupil = PupilFactory(school=school)
    theirs = CharacteristicFactory(school=other_school)
    body = {"pupil": pupil.pk, "taken_on": "2026-01-10", "ratings": [{"characteristic": theirs.pk, "professional": 3}]}
    response = api.post("/api/v1/needs-assessments/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/pupils/?group=-1.022955041007486e%2B112",  # found by the fuzz test: a 500 on SQLite
        "/api/v1/pupils/?group=99999999999999999999999",
        "/api/v1/progress/?subject=1.5",
        "/api/v1/progress/?group=99999999999999999999999",
        "/api/v1/progress/?window=-3",
    ],
)
def test_a_filter_id_that_is_not_a_whole_number_in_range_is_a_400(api, url):
    response = api.get(url)
    assert response.status_code == 400
    assert response.json()
