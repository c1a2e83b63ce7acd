from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Criterion, Focus, FocusJudgement, Judgement, SchoolScale, Subject, TransitionalResult


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "school", "scale_code", "group_subject")
    list_filter = ("school",)


@admin.register(Focus)
class FocusAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "subject")
    list_filter = ("subject__school",)


@admin.register(Criterion)
class CriterionAdmin(SimpleHistoryAdmin):
    list_display = ("focus", "level", "text")


@admin.register(Judgement)
class JudgementAdmin(SimpleHistoryAdmin):
    list_display = ("pupil", "subject", "window", "grade", "points", "version", "judged_by", "judged_at")
    raw_id_fields = ("pupil", "judged_by")


@admin.register(FocusJudgement)
class FocusJudgementAdmin(SimpleHistoryAdmin):
    list_display = ("pupil", "focus", "window", "grade", "points", "version")
    raw_id_fields = ("pupil", "judged_by")


admin.site.register(SchoolScale)
admin.site.register(TransitionalResult, SimpleHistoryAdmin)
