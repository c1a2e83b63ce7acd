from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("grid/", views.grid, name="grid"),
    path("grid/<int:group>/<int:window>/<int:subject>/cell/", views.grid_cell, name="grid_cell"),
    path("heat-map/", views.heat_map, name="heat_map"),
    path("pupils/<int:pk>/profile/", views.pupil_profile, name="pupil_profile"),
    path("pupils/<int:pupil>/<int:subject>/<int:window>/", views.pupil_assess, name="pupil_assess"),
    path("frameworks/", views.frameworks, name="frameworks"),
    path("scales/", views.scales_page, name="scales"),
    path("focuses/<int:pk>/criteria/", views.focus_criteria, name="focus_criteria"),
    path("transitional/", views.transitional, name="transitional"),
    path("groups/<int:group>/objectives/", views.objectives, name="objectives"),
    path("objectives/<int:pk>/record/", views.objective_record, name="objective_record"),
    path("objectives/<int:pk>/record/save/", views.objective_record_save, name="objective_record_save"),
]
