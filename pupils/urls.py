from django.urls import path

from . import views

app_name = "pupils"
urlpatterns = [
    path("", views.pupil_list, name="list"),
    path("<int:pk>/", views.pupil_detail, name="detail"),
    path("<int:pk>/edit/", views.pupil_edit, name="edit"),
    path("<int:pk>/archive/", views.pupil_archive, name="archive"),
    path("<int:pk>/restore/", views.pupil_restore, name="restore"),
    path("<int:pk>/history/", views.pupil_history, name="history"),
    path("groups/", views.group_list, name="groups"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/history/", views.group_history, name="group_history"),
    path("memberships/<int:pk>/move/", views.membership_move, name="move"),
    path("import/", views.import_pupils, name="import"),
    path("import/ctf/", views.import_ctf, name="import_ctf"),
]
