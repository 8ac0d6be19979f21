from django.urls import path

from training import api, urls_rounds

urlpatterns = [
    path("projects/<slug:slug>/jobs/", api.ProjectJobsApi.as_view(), name="api-project-jobs"),
    path("projects/<slug:slug>/reward-models/", api.RewardModelListApi.as_view(), name="api-reward-models"),
    path(
        "projects/<slug:slug>/reward-models/<int:model_id>/activate/",
        api.RewardModelActivateApi.as_view(),
        name="api-reward-model-activate",
    ),
    path("projects/<slug:slug>/uncertainty-scoring/", api.UncertaintyScoringApi.as_view(), name="api-uncertainty-scoring"),
    path("jobs/<int:job_id>/", api.JobDetailApi.as_view(), name="api-job"),
    path("jobs/<int:job_id>/cancel/", api.JobCancelApi.as_view(), name="api-job-cancel"),
    path("jobs/<int:job_id>/restart/", api.JobRestartApi.as_view(), name="api-job-restart"),
]

urlpatterns += urls_rounds.api_urlpatterns
