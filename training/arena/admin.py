from django.contrib import admin

from training.arena.models import Arena, ArenaBattle, ArenaLeaderboard


@admin.register(Arena)
class ArenaAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "job", "created_at"]
    list_filter = ["project"]


@admin.register(ArenaBattle)
class ArenaBattleAdmin(admin.ModelAdmin):
    list_display = ["id", "arena", "item", "model_1", "model_2"]
    raw_id_fields = ["item"]


@admin.register(ArenaLeaderboard)
class ArenaLeaderboardAdmin(admin.ModelAdmin):
    list_display = ["project", "computed_at", "stale"]
