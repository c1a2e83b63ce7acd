from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CurricularTarget, Notification, ProgressStatus, PupilTarget, TargetReview, TargetSettings


@admin.register(TargetSettings)
class TargetSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["school", "policy", "behind_by", "well_behind_by", "stuck_windows"]


@admin.register(PupilTarget)
class PupilTargetAdmin(SimpleHistoryAdmin):
    list_display = ["pupil", "subject", "baseline_points", "proposed_points", "target_points", "target_date", "status"]
    list_filter = ["status"]
    raw_id_fields = ["pupil", "set_by"]


@admin.register(ProgressStatus)
class ProgressStatusAdmin(admin.ModelAdmin):
    list_display = ["pupil", "subject", "window", "expected", "actual", "status", "is_latest"]
    list_filter = ["status", "is_latest"]
    raw_id_fields = ["pupil", "window", "since_window"]

    # Kept by the recompute job alone (its fingerprint of each school assumes so): read-only here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CurricularTarget)
class CurricularTargetAdmin(SimpleHistoryAdmin):
    list_display = ["text", "level", "term", "status", "review_date"]
    list_filter = ["level", "term", "status"]
    raw_id_fields = ["parent", "pupil", "teaching_group"]


admin.site.register(TargetReview, SimpleHistoryAdmin)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "message", "created_at", "read_at"]
    raw_id_fields = ["user", "pupil"]
