from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from . import audit_views, auth_views, staff_views, views
from .api import build_router

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("accounts/mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/backup-codes/", auth_views.mfa_backup_codes, name="mfa_backup_codes"),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("school/switch/", views.switch_school, name="switch_school"),
    path("school/settings/", views.school_settings, name="school_settings"),
    path("school/calendar/", views.calendar, name="calendar"),
    path("school/calendar/windows/<int:pk>/toggle/", views.window_toggle, name="window_toggle"),
    path("school/background-tasks/", views.outbox, name="outbox"),
    path("school/audit/", audit_views.audit_log, name="audit_log"),
    path("school/data-rights/pupils/<int:pk>/subject-access/", audit_views.subject_access, name="subject_access"),
    path("school/data-rights/retention/", audit_views.retention, name="retention"),
    path("school/data-rights/retention/setting/", audit_views.retention_setting, name="retention_setting"),
    path("school/data-rights/retention/<int:pk>/anonymise/", audit_views.anonymise, name="anonymise_pupil"),
    path("school/staff/", staff_views.staff_list, name="staff_list"),
    path("school/staff/invite/", staff_views.staff_invite, name="staff_invite"),
    path("school/staff/import/", staff_views.staff_import_page, name="staff_import"),
    path("school/staff/<int:pk>/", staff_views.staff_detail, name="staff_detail"),
    path("accounts/welcome/<uidb64>/<token>/", staff_views.staff_set_password, name="staff_set_password"),
    path("pupils/", include("pupils.urls")),
    path("assessment/", include("assessment.urls")),
    path("targets/", include("targets.urls")),
    path("interventions/", include("interventions.urls")),
    path("partnership/", include("partnership.urls")),
    path("self-review/", include("selfreview.urls")),
    path("api/v1/", include(build_router().urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Platform operators only (is_staff); schools are run through the pages above.
    path("ops-admin/", admin.site.urls),
]
