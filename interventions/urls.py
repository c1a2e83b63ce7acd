from django.urls import path

from .views import candidates, evaluation, follow_ups, needs, programmes, provision, provision_map

app_name = "interventions"
urlpatterns = [
    path("programmes/", programmes.programme_list, name="programme_list"),
    path("programmes/new/", programmes.programme_create, name="programme_create"),
    path("programmes/<int:pk>/edit/", programmes.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/evaluation/", evaluation.programme_evaluation, name="programme_evaluation"),
    path("impact/", evaluation.impact_summary, name="impact_summary"),
    path("impact/trust/", evaluation.impact_trust, name="impact_trust"),
    path("provision/", provision.provision_list, name="provision_list"),
    path("provision/plan/", provision.provision_create, name="provision_create"),
    path("provision/<int:pk>/", provision.provision_detail, name="provision_detail"),
    path("provision/<int:pk>/edit/", provision.provision_edit, name="provision_edit"),
    path("provision/<int:pk>/pupils/add/", provision.provision_add_pupil, name="provision_add_pupil"),
    path("provision/<int:pk>/sessions/new/", provision.session_create, name="session_create"),
    path("provision/<int:pk>/impact/", evaluation.impact_record, name="impact_record"),
    path("places/<int:pk>/leave/", provision.place_leave, name="place_leave"),
    path("places/<int:pk>/follow-up/", follow_ups.follow_up_create, name="follow_up_create"),
    path("follow-ups/<int:pk>/classroom/", follow_ups.follow_up_class, name="follow_up_class"),
    path("candidates/", candidates.candidates, name="candidates"),
    path("map/", provision_map.provision_map, name="provision_map"),
    path("map/export/<str:fmt>/", provision_map.provision_map_export, name="provision_map_export"),
    path("needs/settings/", needs.needs_settings, name="needs_settings"),
    path("needs/score-cards/", needs.score_card_summary, name="score_card_summary"),
    path("needs/pupils/<int:pk>/", needs.pupil_needs, name="pupil_needs"),
    path("needs/pupils/<int:pk>/score-card/", needs.score_card_create, name="score_card_create"),
    path("needs/pupils/<int:pk>/journal/", needs.journal_create, name="journal_create"),
    path("needs/pupils/<int:pk>/aim/", needs.aim_create, name="aim_create"),
]
