import pytest


@pytest.fixture(autouse=True)
def _annex_loaded(request):
    """Another app's transactional test flushes every table, the annex included: reload it if so."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from tests.selfreview.factories import ensure_annex

    ensure_annex()
