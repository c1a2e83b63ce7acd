"""Who may open each self-review URL: all staff read; leaders, SIPs and admins edit."""

from tests.access import STAFF, page

EDITORS = frozenset({"leader", "sip", "admin"})


def build_world(w):
    from tests.selfreview.factories import ReviewFactory, ensure_annex

    ensure_annex()
    w["review"] = ReviewFactory(school=w["school"])


def _pk(w):
    return {"pk": w["review"].pk}


def _cell(w):
    from selfreview.models import AnnexItem

    return {"item": AnnexItem.objects.get(code="1a").pk, "phase": 1, "rating": 2, "notes": "", "version": 0}


def _current_version(w):
    """The data is built per persona: each editor saves over the last one's version, so none conflicts."""
    from selfreview.models import Rating

    rating = Rating.objects.filter(review=w["review"], item__code="1a", phase=1).first()
    return rating.version if rating else 0


EXPECTATIONS = {
    "selfreview:review_list": page(STAFF),
    "selfreview:review_create": page(EDITORS),
    "selfreview:review_detail": page(STAFF, kwargs=_pk),
    "selfreview:review_phases": page(
        EDITORS, kwargs=_pk, method="post", ok_status=302, data=lambda w: {"phase_1_date": "2025-10-01"}
    ),
    # Without htmx a saved cell sends the user back to the grid.
    "selfreview:rating_save": page(EDITORS, kwargs=_pk, method="post", ok_status=302, data=_cell),
    "selfreview:rating_cell": page(EDITORS, kwargs=_pk, data=lambda w: {"item": _cell(w)["item"], "phase": 1}),
    "selfreview:review_priorities": page(STAFF, kwargs=_pk),
    "selfreview:review_export": page(STAFF, kwargs=lambda w: {"pk": w["review"].pk, "fmt": "csv"}),
    "selfreview:review_report": page(STAFF, kwargs=_pk),
    "selfreview:review_report_pdf": page(STAFF, kwargs=_pk),
    "selfreview-review-list": page(STAFF, anon_status=403),
    "selfreview-review-detail": page(STAFF, kwargs=_pk, anon_status=403),
    "selfreview-review-rate": page(
        EDITORS,
        kwargs=_pk,
        method="post",
        anon_status=403,
        data=lambda w: {"item": "1a", "phase": 1, "rating": 3, "version": _current_version(w)},
    ),
}
