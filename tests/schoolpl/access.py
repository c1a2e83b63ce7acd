from tests.access import PORTAL, STAFF, page

# Pages about the account itself, open to any signed-in user (a pupil's or parent's portal account too).
ACCOUNT = {"outsider": 200, "pupil": 200, "parent": 200}

EXPECTATIONS = {
    # A pupil's or parent's account is sent to the portal's own landing page.
    "home": page(STAFF, overrides={"pupil": 302, "parent": 302}),
    "logout": page(STAFF | PORTAL, method="post", ok_status=302, anon_status=302),
    "password_change": page(STAFF, overrides=ACCOUNT),
    "password_change_done": page(STAFF, overrides=ACCOUNT),
    "mfa_setup": page(STAFF, overrides=ACCOUNT),
    # With no device yet the verify page sends the user to set one up.
    "mfa_verify": page(STAFF, ok_status=302, overrides=dict.fromkeys(ACCOUNT, 302)),
    # Backup codes need an authenticator app and the second factor in this session: with no app, to set-up.
    "mfa_backup_codes": page(STAFF, ok_status=302, overrides=dict.fromkeys(ACCOUNT, 302)),
    "switch_school": page(STAFF, method="post", ok_status=302, data=lambda w: {"school": w["school"].pk}),
    "school_settings": page({"admin"}),
    "calendar": page({"admin"}),
    "window_toggle": page({"admin"}, method="post", ok_status=302, kwargs=lambda w: {"pk": w["window"].pk}),
    # Failed background tasks of the admin's own school (operators see all: tests/schoolpl/test_outbox_failed.py).
    "outbox": page({"admin"}),
    "api-root": page(STAFF, anon_status=403),
    "api_schema": page(STAFF, anon_status=403),
}
