from django.apps import AppConfig


class QualityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quality"
    verbose_name = "Label quality: review and adjudication"

    def ready(self) -> None:
        # annotation imports no other app; the stats refresh learns of the per-annotator reliability and
        # bias figures from here.
        from annotation.stats import project_stats_extend
        from quality.judges import judge_agreement
        from quality.reliability import annotator_quality

        project_stats_extend(annotator_quality)
        project_stats_extend(judge_agreement)
