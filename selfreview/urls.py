from django.urls import path

from . import views

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
]
