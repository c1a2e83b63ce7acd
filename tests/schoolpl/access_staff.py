"""The staff pages (``schoolpl.staff_views``): school admins only; another school's member of staff is a 404."""

from tests.access import PORTAL, STAFF, page

ADMIN = frozenset({"admin"})

EXPECTATIONS = {
    "staff_list": page(ADMIN),
    "staff_invite": page(ADMIN),
    "staff_import": page(ADMIN),
    "staff_detail": page(ADMIN, kwargs=lambda w: {"pk": w["teacher"].pk}),
    # The invitation link is opened signed out; a link that is not (or no longer) valid says so to anyone.
    "staff_set_password": page(
        STAFF | PORTAL,
        anon_status=200,
        kwargs=lambda w: {"uidb64": "MQ", "token": "not-a-token"},
        overrides={"outsider": 200},
    ),
}
