import pytest
from django.urls import reverse

from conftest import sign_in

pytestmark = pytest.mark.django_db


def test_api_schema_documents_every_api(client, school_admin, school):
    sign_in(client, school_admin, school)
    response = client.get(reverse("api_schema"))
    assert response.status_code == 200
    schema = response.content.decode()
    for path in (
        "/api/v1/pupils/",
        "/api/v1/teaching-groups/",
        "/api/v1/assessments/",
        "/api/v1/scales/",
        "/api/v1/targets/",
        "/api/v1/progress/",
        "/api/v1/programmes/",
        "/api/v1/provisions/",
        "/api/v1/needs-assessments/",
        "/api/v1/reviews/",
    ):
        assert path in schema, path


def test_api_schema_needs_a_signed_in_user(client):
    assert client.get(reverse("api_schema")).status_code == 403


def test_api_schema_allows_the_blank_primary_need_and_ethnicity_the_api_returns(client, school_admin, school):
    sign_in(client, school_admin, school)
    schema = client.get(reverse("api_schema") + "?format=json").json()
    pupil = schema["components"]["schemas"]["PupilWithLowIncome"]["properties"]
    for field in ("primary_need", "ethnicity"):
        allowed = set()
        for option in pupil[field].get("oneOf", pupil[field].get("allOf", [])):
            allowed |= set(schema["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]]["enum"])
        assert "" in allowed, field
