"""Django admin for platform operators only (``/ops-admin/``, is_staff); schools use the pupil pages."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Contact, CtfStageResult, GroupMembership, Pupil, TeachingGroup, TeachingGroupTeacher


@admin.register(Pupil)
class PupilAdmin(SimpleHistoryAdmin):
    list_display = ("upn", "legal_surname", "legal_forename", "year_group", "school", "archived_at")
    list_filter = ("school", "year_group", "sen_provision")
    search_fields = ("upn", "legal_surname", "legal_forename")
    list_select_related = ("school",)
    raw_id_fields = ("school",)


class TeacherInline(admin.TabularInline):
    model = TeachingGroupTeacher
    raw_id_fields = ("user",)
    extra = 0


@admin.register(TeachingGroup)
class TeachingGroupAdmin(SimpleHistoryAdmin):
    list_display = ("name", "subject", "kind", "year_group", "academic_year", "school")
    list_filter = ("school", "subject", "kind")
    list_select_related = ("school", "academic_year")
    inlines = [TeacherInline]


@admin.register(GroupMembership)
class GroupMembershipAdmin(SimpleHistoryAdmin):
    list_display = ("pupil", "group", "start_date", "end_date")
    raw_id_fields = ("pupil", "group")
    list_select_related = ("pupil", "group")


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ("name", "relationship", "pupil")
    raw_id_fields = ("pupil",)


@admin.register(CtfStageResult)
class CtfStageResultAdmin(admin.ModelAdmin):
    list_display = ("pupil", "stage", "year", "subject", "component", "result")
    raw_id_fields = ("pupil",)
