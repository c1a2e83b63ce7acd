from django.urls import path

from . import views, walks_views

app_name = "selfreview"
urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("new/", views.review_create, name="review_create"),
    path("<int:pk>/", views.review_detail, name="review_detail"),
    path("<int:pk>/phases/", views.review_phases, name="review_phases"),
    path("<int:pk>/rate/", views.rating_save, name="rating_save"),
    path("<int:pk>/cell/", views.rating_cell, name="rating_cell"),
    path("<int:pk>/priorities/", views.review_priorities, name="review_priorities"),
    path("<int:pk>/export/<str:fmt>/", views.review_export, name="review_export"),
    path("<int:pk>/report/", views.review_report, name="review_report"),
    path("<int:pk>/report.pdf", views.review_report_pdf, name="review_report_pdf"),
    path("observations/", walks_views.observation_list, name="observation_list"),
    path("observations/new/", walks_views.observation_create, name="observation_create"),
    path("observations/summary/", walks_views.observation_summary, name="observation_summary"),
    path("observations/<int:pk>/", walks_views.observation_detail, name="observation_detail"),
    path("observations/<int:pk>/edit/", walks_views.observation_edit, name="observation_edit"),
]
