"""Web routes of the training app (namespace "training"): reward models, policies, online DPO rounds."""
from django.urls import path

from training.arena import views as arena
from training.judges import views as judges
from training.online_dpo import views as rounds
from training.policies import views as policies
from training.rewards import views as rewards

app_name = "training"

urlpatterns = [
    path("projects/<slug:slug>/training/", rewards.job_list, name="job_list"),
    path("projects/<slug:slug>/training/new/", rewards.job_launch, name="job_launch"),
    path("projects/<slug:slug>/reward-models/", rewards.reward_model_list, name="reward_models"),
    path(
        "projects/<slug:slug>/reward-models/<int:model_id>/activate/",
        rewards.reward_model_activate,
        name="reward_model_activate",
    ),
    path(
        "projects/<slug:slug>/reward-models/<int:model_id>/evaluate/", rewards.reward_model_evaluate, name="reward_model_evaluate"
    ),
    path("projects/<slug:slug>/reward-models/score-queue/", rewards.uncertainty_scoring, name="uncertainty_scoring"),
    path("projects/<slug:slug>/rounds/", rounds.round_list, name="rounds"),
    path("projects/<slug:slug>/rounds/<int:round_id>/", rounds.round_detail, name="round_detail"),
    path("projects/<slug:slug>/rounds/<int:round_id>/resume/", rounds.round_resume, name="round_resume"),
    path("projects/<slug:slug>/arena/", arena.arena_page, name="arena"),
    path("projects/<slug:slug>/judges/", judges.judges_page, name="judges"),
    path("projects/<slug:slug>/policies/", policies.policy_list, name="policies"),
    path("projects/<slug:slug>/policies/bootstrap/", policies.policy_bootstrap, name="policy_bootstrap"),
    path("projects/<slug:slug>/policies/register/", policies.policy_register, name="policy_register"),
]
