from django.contrib import admin

from training.online_dpo.models import OnlineRound, OnlineRun


@admin.register(OnlineRun)
class OnlineRunAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "rounds_requested", "created_at"]
    list_filter = ["project"]


@admin.register(OnlineRound)
class OnlineRoundAdmin(admin.ModelAdmin):
    list_display = ["id", "run", "number", "step", "mean_reward", "win_rate", "kl", "mismatch_rate"]
    list_filter = ["step"]
