"""URLs of the progress dashboards (included by ``targets.urls`` under the "targets" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/pupils/", views.dashboard_pupils, name="dashboard_pupils"),
    path("dashboard/export/", views.dashboard_export, name="dashboard_export"),
    path("dashboard/trust/", views.trust_dashboard, name="trust_dashboard"),
]
