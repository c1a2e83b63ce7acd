from django.urls import path

from . import views

app_name = "interventions"
urlpatterns = [
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/evaluation/", views.programme_evaluation, name="programme_evaluation"),
    path("impact/", views.impact_summary, name="impact_summary"),
    path("provision/", views.provision_list, name="provision_list"),
    path("provision/plan/", views.provision_create, name="provision_create"),
    path("provision/<int:pk>/", views.provision_detail, name="provision_detail"),
    path("provision/<int:pk>/edit/", views.provision_edit, name="provision_edit"),
    path("provision/<int:pk>/pupils/add/", views.provision_add_pupil, name="provision_add_pupil"),
    path("provision/<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("provision/<int:pk>/impact/", views.impact_record, name="impact_record"),
    path("places/<int:pk>/leave/", views.place_leave, name="place_leave"),
    path("places/<int:pk>/follow-up/", views.follow_up_create, name="follow_up_create"),
    path("follow-ups/<int:pk>/classroom/", views.follow_up_class, name="follow_up_class"),
    path("candidates/", views.candidates, name="candidates"),
    path("map/", views.provision_map, name="provision_map"),
    path("map/export/<str:fmt>/", views.provision_map_export, name="provision_map_export"),
    path("needs/settings/", views.needs_settings, name="needs_settings"),
    path("needs/score-cards/", views.score_card_summary, name="score_card_summary"),
    path("needs/pupils/<int:pk>/", views.pupil_needs, name="pupil_needs"),
    path("needs/pupils/<int:pk>/score-card/", views.score_card_create, name="score_card_create"),
    path("needs/pupils/<int:pk>/journal/", views.journal_create, name="journal_create"),
    path("needs/pupils/<int:pk>/aim/", views.aim_create, name="aim_create"),
]
