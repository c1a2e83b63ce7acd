from django.urls import path

from .views import frameworks, grid, objectives, pupil, transitional

app_name = "assessment"
urlpatterns = [
    path("grid/", grid.grid, name="grid"),
    path("grid/<int:group>/<int:window>/<int:subject>/cell/", grid.grid_cell, name="grid_cell"),
    path("heat-map/", grid.heat_map, name="heat_map"),
    path("pupils/<int:pk>/profile/", pupil.pupil_profile, name="pupil_profile"),
    path("pupils/<int:pupil>/<int:subject>/<int:window>/", pupil.pupil_assess, name="pupil_assess"),
    path("frameworks/", frameworks.frameworks, name="frameworks"),
    path("scales/", frameworks.scales_page, name="scales"),
    path("focuses/<int:pk>/criteria/", frameworks.focus_criteria, name="focus_criteria"),
    path("transitional/", transitional.transitional, name="transitional"),
    path("groups/<int:group>/objectives/", objectives.objectives, name="objectives"),
    path("objectives/<int:pk>/record/", objectives.objective_record, name="objective_record"),
    path("objectives/<int:pk>/record/save/", objectives.objective_record_save, name="objective_record_save"),
]
