from django.urls import path

from annotation import api
from annotation.hindsight import api as hindsight_api

urlpatterns = [
    path("projects/", api.ProjectListCreateApi.as_view(), name="api-projects"),
    path("projects/<slug:slug>/", api.ProjectDetailApi.as_view(), name="api-project"),
    path("projects/<slug:slug>/members/", api.ProjectMemberApi.as_view(), name="api-project-members"),
    path("projects/<slug:slug>/stats/", api.ProjectStatsApi.as_view(), name="api-project-stats"),
    path("projects/<slug:slug>/next-task/", api.NextTaskApi.as_view(), name="api-next-task"),
    path("tasks/<int:assignment_id>/skip/", api.SkipTaskApi.as_view(), name="api-skip-task"),
    path("tasks/<int:assignment_id>/annotation/", api.SubmitAnnotationApi.as_view(), name="api-submit-annotation"),
    path("annotations/", api.AnnotationListApi.as_view(), name="api-annotations"),
    path("annotations/<int:annotation_id>/", api.AnnotationDetailApi.as_view(), name="api-annotation"),
    path("projects/<slug:slug>/hindsight/next-task/", hindsight_api.HindsightNextTaskApi.as_view(), name="api-hindsight-next-task"),
    path("projects/<slug:slug>/hindsight/scenarios/", hindsight_api.ScenarioImportApi.as_view(), name="api-hindsight-scenarios"),
    path("projects/<slug:slug>/hindsight/simulations/", hindsight_api.OutcomeSimulationApi.as_view(), name="api-hindsight-simulations"),
    path("projects/<slug:slug>/hindsight/stats/", hindsight_api.HindsightStatsApi.as_view(), name="api-hindsight-stats"),
    path("projects/<slug:slug>/hindsight/preference-pairs/", hindsight_api.HindsightPreferencePairsApi.as_view(), name="api-hindsight-pairs"),
    path("projects/<slug:slug>/hindsight/responses/<int:response_id>/outcomes/", hindsight_api.ResponseOutcomesApi.as_view(), name="api-hindsight-outcomes"),
    path("hindsight/tasks/<int:assignment_id>/", hindsight_api.HindsightTaskApi.as_view(), name="api-hindsight-task"),
    path("hindsight/tasks/<int:assignment_id>/foresight/", hindsight_api.ForesightApi.as_view(), name="api-hindsight-foresight"),
    path("hindsight/tasks/<int:assignment_id>/reveal/", hindsight_api.RevealApi.as_view(), name="api-hindsight-reveal"),
    path("hindsight/tasks/<int:assignment_id>/hindsight/", hindsight_api.HindsightSubmitApi.as_view(), name="api-hindsight-submit"),
]
