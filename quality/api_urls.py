from django.urls import path

from quality import api

urlpatterns = [
    path("projects/<slug:slug>/quality-settings/", api.QualitySettingsApi.as_view(), name="api-quality-settings"),
    path("projects/<slug:slug>/review-queue/", api.ReviewQueueApi.as_view(), name="api-review-queue"),
    path("projects/<slug:slug>/reviews/<int:annotation_id>/", api.ReviewDecisionApi.as_view(), name="api-review-decision"),
    path("projects/<slug:slug>/adjudication-queue/", api.AdjudicationQueueApi.as_view(), name="api-adjudication-queue"),
    path("projects/<slug:slug>/adjudications/", api.AdjudicationApi.as_view(), name="api-adjudications"),
]
