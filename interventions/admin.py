from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models


@admin.register(models.Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "school", "wave", "need_area", "is_active"]
    list_filter = ["wave", "need_area", "school"]


@admin.register(models.Provision)
class ProvisionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "school", "programme", "start_date", "end_date"]
    list_filter = ["school"]


for model in (
    models.ProvisionPupil,
    models.ProvisionStaff,
    models.InterventionSession,
    models.FollowUp,
    models.ImpactJudgement,
    models.SuccessCharacteristic,
    models.ScoreCard,
    models.JournalQuestion,
    models.JournalEntry,
    models.LearningAim,
):
    admin.site.register(model, SimpleHistoryAdmin)
