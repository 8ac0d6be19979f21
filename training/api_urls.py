"""API routes of the training app, mounted under /api/."""
from django.urls import path

from training.arena import api as arena
from training.judges import api as judges
from training.online_dpo import api as rounds
from training.policies import api as policies
from training.rewards import api as rewards

urlpatterns = [
    path("projects/<slug:slug>/jobs/", rewards.ProjectJobsApi.as_view(), name="api-project-jobs"),
    path("projects/<slug:slug>/reward-models/", rewards.RewardModelListApi.as_view(), name="api-reward-models"),
    path(
        "projects/<slug:slug>/reward-models/<int:model_id>/activate/",
        rewards.RewardModelActivateApi.as_view(),
        name="api-reward-model-activate",
    ),
    path(
        "projects/<slug:slug>/reward-models/<int:model_id>/evaluate/",
        rewards.RewardModelEvaluateApi.as_view(),
        name="api-reward-model-evaluate",
    ),
    path("projects/<slug:slug>/uncertainty-scoring/", rewards.UncertaintyScoringApi.as_view(), name="api-uncertainty-scoring"),
    path("projects/<slug:slug>/online-runs/", rounds.OnlineRunsApi.as_view(), name="api-online-runs"),
    path("projects/<slug:slug>/rounds/<int:round_id>/", rounds.OnlineRoundApi.as_view(), name="api-online-round"),
    path("projects/<slug:slug>/rounds/<int:round_id>/resume/", rounds.OnlineRoundResumeApi.as_view(), name="api-online-round-resume"),
    path("projects/<slug:slug>/arena/", arena.ArenaApi.as_view(), name="api-arena"),
    path("projects/<slug:slug>/judges/", judges.JudgeRunsApi.as_view(), name="api-judges"),
    path("projects/<slug:slug>/policies/", policies.PolicyCheckpointsApi.as_view(), name="api-policies"),
    path("projects/<slug:slug>/policies/bootstrap/", policies.PolicyBootstrapApi.as_view(), name="api-policy-bootstrap"),
]
