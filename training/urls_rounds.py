"""Routes of online DPO rounds and policy checkpoints. `urlpatterns` join the training app's web
routes (namespace "training"); `api_urlpatterns` join its API routes (mounted under /api/)."""
from django.urls import path

from training import api_rounds, views_rounds

urlpatterns = [
    path("projects/<slug:slug>/rounds/", views_rounds.round_list, name="rounds"),
    path("projects/<slug:slug>/rounds/<int:round_id>/", views_rounds.round_detail, name="round_detail"),
    path("projects/<slug:slug>/rounds/<int:round_id>/resume/", views_rounds.round_resume, name="round_resume"),
    path("projects/<slug:slug>/policies/", views_rounds.policy_list, name="policies"),
    path("projects/<slug:slug>/policies/bootstrap/", views_rounds.policy_bootstrap, name="policy_bootstrap"),
    path("projects/<slug:slug>/policies/register/", views_rounds.policy_register, name="policy_register"),
]

api_urlpatterns = [
    path("projects/<slug:slug>/online-runs/", api_rounds.OnlineRunsApi.as_view(), name="api-online-runs"),
    path("projects/<slug:slug>/rounds/<int:round_id>/", api_rounds.OnlineRoundApi.as_view(), name="api-online-round"),
    path("projects/<slug:slug>/rounds/<int:round_id>/resume/", api_rounds.OnlineRoundResumeApi.as_view(), name="api-online-round-resume"),
    path("projects/<slug:slug>/policies/", api_rounds.PolicyCheckpointsApi.as_view(), name="api-policies"),
    path("projects/<slug:slug>/policies/bootstrap/", api_rounds.PolicyBootstrapApi.as_view(), name="api-policy-bootstrap"),
]
