from django.urls import path

from . import activity_views, views, voice_views

app_name = "partnership"
urlpatterns = [
    # Personal tutors and progress reviews
    path("", views.reviews, name="reviews"),
    path("pupils/<int:pk>/", views.pupil, name="pupil"),
    path("pupils/<int:pk>/reviews/new/", views.review_add, name="review_add"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<int:pk>/close/", views.referral_close, name="referral_close"),
    # Parents and carers, portal accounts
    path("pupils/<int:pk>/contacts/", views.contacts, name="contacts"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("pupils/<int:pk>/invite/", views.invite, name="invite"),
    path("invitations/<str:token>/", views.accept, name="accept"),
    path("settings/", views.portal_settings, name="portal_settings"),
    # Termly reports to parents
    path("reports/", views.reports, name="reports"),
    path("reports/runs/<int:pk>/", views.report_run, name="report_run"),
    path("reports/windows/<int:window_pk>/year/<int:year>/", views.report_set, name="report_set"),
    path("reports/windows/<int:window_pk>/year/<int:year>/release/", views.report_release, name="report_release"),
    path("reports/windows/<int:window_pk>/year/<int:year>/send/", views.report_send, name="report_send"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
    path("reports/<int:pk>/printed/", views.report_printed, name="report_printed"),
    # The pupil and parent portal
    path("portal/", views.portal, name="portal"),
    path("portal/pupils/<int:pk>/", views.portal_pupil, name="portal_pupil"),
    path("portal/reports/<int:pk>/", views.portal_report, name="portal_report"),
    path("portal/reports/<int:pk>/pdf/", views.portal_report_pdf, name="portal_report_pdf"),
    path("portal/targets/<int:pk>/comment/", views.portal_comment, name="portal_comment"),
]
urlpatterns += [
    # Extended activities: clubs, trips, study support and family learning
    path("activities/", activity_views.activities, name="activities"),
    path("activities/new/", activity_views.activity_add, name="activity_add"),
    path("activities/summary/", activity_views.activities_summary, name="activities_summary"),
    path("activities/<int:pk>/", activity_views.activity, name="activity"),
    path("activities/<int:pk>/edit/", activity_views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/archive/", activity_views.activity_archive, name="activity_archive"),
    path("activities/<int:pk>/register/", activity_views.activity_register, name="activity_register"),
    path("activities/<int:pk>/members/", activity_views.activity_members, name="activity_members"),
    path("activities/members/<int:pk>/leave/", activity_views.activity_member_leave, name="activity_member_leave"),
]
urlpatterns += [
    # Pupil and parent voice: surveys
    path("voice/", voice_views.voice_results, name="voice"),
    path("voice/surveys/new/", voice_views.survey_add, name="survey_add"),
    path("voice/surveys/<int:pk>/paper/", voice_views.survey_enter, name="survey_enter"),
    path("portal/surveys/<int:pk>/pupils/<int:pupil_pk>/", voice_views.portal_survey, name="portal_survey"),
]
