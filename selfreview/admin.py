from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AnnexItem, Feature, Observation, ObservationFocus, Rating, Review, ReviewPhase


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    list_display = ["number", "title"]


@admin.register(AnnexItem)
class AnnexItemAdmin(admin.ModelAdmin):
    list_display = ["code", "feature", "text"]
    list_select_related = ["feature"]


class ReviewPhaseInline(admin.TabularInline):
    model = ReviewPhase
    extra = 0


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["title", "school", "academic_year_label", "created_at"]
    list_select_related = ["school"]
    inlines = [ReviewPhaseInline]


@admin.register(Rating)
class RatingAdmin(SimpleHistoryAdmin):
    list_display = ["review", "item", "phase", "rating", "version", "updated_at"]
    list_select_related = ["review", "item"]
    raw_id_fields = ["review", "updated_by"]


class ObservationFocusInline(admin.TabularInline):
    model = ObservationFocus
    extra = 0


@admin.register(Observation)
class ObservationAdmin(SimpleHistoryAdmin):
    list_display = ["date", "kind", "school", "group", "teacher", "observer"]
    list_select_related = ["school", "group", "teacher", "observer"]
    raw_id_fields = ["group", "teacher", "observer"]
    inlines = [ObservationFocusInline]
