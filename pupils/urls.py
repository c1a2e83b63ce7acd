from django.urls import path

from .views import groups, history, imports, roll, rollover

app_name = "pupils"
urlpatterns = [
    path("", roll.pupil_list, name="list"),
    path("<int:pk>/", roll.pupil_detail, name="detail"),
    path("<int:pk>/edit/", roll.pupil_edit, name="edit"),
    path("<int:pk>/archive/", roll.pupil_archive, name="archive"),
    path("<int:pk>/restore/", roll.pupil_restore, name="restore"),
    path("<int:pk>/history/", history.pupil_history, name="history"),
    path("groups/", groups.group_list, name="groups"),
    path("groups/<int:pk>/", groups.group_detail, name="group"),
    path("groups/<int:pk>/history/", history.group_history, name="group_history"),
    path("memberships/<int:pk>/move/", groups.membership_move, name="move"),
    path("import/", imports.import_pupils, name="import"),
    path("import/ctf/", imports.import_ctf, name="import_ctf"),
    path("rollover/", rollover.rollover_preview, name="rollover"),
    path("rollover/<int:pk>/", rollover.rollover_run, name="rollover_run"),
]
