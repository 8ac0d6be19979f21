"""API routes of hindsight projects, mounted under /api/."""
from django.urls import path

from hindsight import api

urlpatterns = [
    path("projects/<slug:slug>/hindsight/next-task/", api.HindsightNextTaskApi.as_view(), name="api-hindsight-next-task"),
    path("projects/<slug:slug>/hindsight/scenarios/", api.ScenarioImportApi.as_view(), name="api-hindsight-scenarios"),
    path("projects/<slug:slug>/hindsight/simulations/", api.OutcomeSimulationApi.as_view(), name="api-hindsight-simulations"),
    path("projects/<slug:slug>/hindsight/stats/", api.HindsightStatsApi.as_view(), name="api-hindsight-stats"),
    path("projects/<slug:slug>/hindsight/preference-pairs/", api.HindsightPreferencePairsApi.as_view(), name="api-hindsight-pairs"),
    path("projects/<slug:slug>/hindsight/responses/<int:response_id>/outcomes/", api.ResponseOutcomesApi.as_view(), name="api-hindsight-outcomes"),
    path("hindsight/tasks/<int:assignment_id>/", api.HindsightTaskApi.as_view(), name="api-hindsight-task"),
    path("hindsight/tasks/<int:assignment_id>/foresight/", api.ForesightApi.as_view(), name="api-hindsight-foresight"),
    path("hindsight/tasks/<int:assignment_id>/reveal/", api.RevealApi.as_view(), name="api-hindsight-reveal"),
    path("hindsight/tasks/<int:assignment_id>/hindsight/", api.HindsightSubmitApi.as_view(), name="api-hindsight-submit"),
]
