from tests.access import STAFF, page

EXPECTATIONS = {
    "home": page(STAFF),
    "logout": page(STAFF, method="post", ok_status=302, anon_status=302),
    "password_change": page(STAFF, overrides={"outsider": 200}),
    "password_change_done": page(STAFF, overrides={"outsider": 200}),
    "mfa_setup": page(STAFF, overrides={"outsider": 200}),
    # With no device yet the verify page sends the user to set one up.
    "mfa_verify": page(STAFF, ok_status=302, overrides={"outsider": 302}),
    "switch_school": page(STAFF, method="post", ok_status=302, data=lambda w: {"school": w["school"].pk}),
    "school_settings": page({"admin"}),
    "calendar": page({"admin"}),
    "window_toggle": page({"admin"}, method="post", ok_status=302, kwargs=lambda w: {"pk": w["window"].pk}),
    "api-root": page(STAFF, anon_status=403),
    "api_schema": page(STAFF, anon_status=403),
}
