from django.urls import path

from training import urls_rounds, views

app_name = "training"

urlpatterns = [
    path("projects/<slug:slug>/training/", views.job_list, name="job_list"),
    path("projects/<slug:slug>/training/new/", views.job_launch, name="job_launch"),
    path("projects/<slug:slug>/reward-models/", views.reward_model_list, name="reward_models"),
    path(
        "projects/<slug:slug>/reward-models/<int:model_id>/activate/",
        views.reward_model_activate,
        name="reward_model_activate",
    ),
    path("projects/<slug:slug>/reward-models/score-queue/", views.uncertainty_scoring, name="uncertainty_scoring"),
    path("training/jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("training/jobs/<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("training/jobs/<int:job_id>/restart/", views.job_restart, name="job_restart"),
]

urlpatterns += urls_rounds.urlpatterns
