from django.urls import include, path

from . import views

app_name = "targets"
urlpatterns: list = [
    path("pupils/<int:pk>/", views.pupil_targets, name="pupil"),
    path("pupils/<int:pk>/new/", views.pupil_target_new, name="pupil_target_new"),
    path("numeric/<int:pk>/accept/", views.numeric_accept, name="numeric_accept"),
    path("numeric/<int:pk>/adjust/", views.numeric_adjust, name="numeric_adjust"),
    path("curricular/", views.curricular_list, name="curricular_list"),
    path("curricular/new/", views.curricular_new, name="curricular_new"),
    path("curricular/<int:pk>/", views.curricular_detail, name="curricular_detail"),
    path("curricular/<int:pk>/derive/", views.curricular_derive, name="curricular_derive"),
    path("curricular/<int:pk>/review/", views.review_add, name="review_add"),
    path("groups/<int:pk>/propose/", views.group_proposal, name="group_proposal"),
    path("notifications/", views.notifications, name="notifications"),
    path("settings/", views.target_settings, name="settings"),
    # The progress dashboards (issue 6): their own package in this app, in this namespace.
    path("", include("targets.dashboard.urls")),
]
