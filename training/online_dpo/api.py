"""REST API of online DPO runs and rounds."""
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.models import JobStatus
from jobs.permissions import job_project
from training.online_dpo import selectors
from training.online_dpo.models import OnlineRound
from training.online_dpo.serializers import RunLaunchSerializer
from training.online_dpo.services import online_round_resume, online_run_launch
from training.policies.models import PolicyCheckpoint
from training.rewards.models import RewardModel
from verdict.api_errors import Conflict

ROUND_STATE = OpenApiResponse(description="A round: status, step, prompts, pairs, human slice, mismatch and held-out figures.")




def _round(user, slug: str, round_id: int, *, write: bool = False) -> OnlineRound:  # noqa: ANN001
    project = job_project(user, slug, write=write)
    return get_object_or_404(selectors.rounds_for_project(project=project), pk=round_id)


class OnlineRunsApi(APIView):
    @extend_schema(responses=ROUND_STATE)
    def get(self, request: Request, slug: str) -> Response:
        project = job_project(request.user, slug)
        rounds = selectors.rounds_for_project(project=project)[:200]
        return Response({"rounds": [selectors.round_state(round_=r) for r in rounds], "chart": selectors.rounds_chart(project=project)})

    @extend_schema(request=RunLaunchSerializer, responses={201: ROUND_STATE})
    def post(self, request: Request, slug: str) -> Response:
        project = job_project(request.user, slug, write=True)
        serializer = RunLaunchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        start = get_object_or_404(PolicyCheckpoint, project=project, pk=data["start_checkpoint"]) if data["start_checkpoint"] else None
        model = get_object_or_404(RewardModel, project=project, pk=data["reward_model"]) if data["reward_model"] else None
        run = online_run_launch(
            project=project, rounds=data["rounds"], config=data["config"], launched_by=request.user, start_checkpoint=start, reward_model=model
        )
        rounds = [selectors.round_state(round_=r) for r in run.rounds.select_related("job", "run").order_by("index")]
        return Response({"id": run.pk, "rounds_requested": run.rounds_requested, "config": run.config, "rounds": rounds}, status=status.HTTP_201_CREATED)


class OnlineRoundApi(APIView):
    @extend_schema(responses=ROUND_STATE)
    def get(self, request: Request, slug: str, round_id: int) -> Response:
        return Response(selectors.round_state(round_=_round(request.user, slug, round_id)))


class OnlineRoundResumeApi(APIView):
    @extend_schema(request=None, responses={200: ROUND_STATE, 409: None})
    def post(self, request: Request, slug: str, round_id: int) -> Response:
        """Resume a waiting round now, training on the human labels given so far."""
        round_ = _round(request.user, slug, round_id, write=True)
        if round_.job.status != JobStatus.WAITING or not online_round_resume(round_=round_, force=True):
            raise Conflict(f"Round {round_.number} is not waiting ({round_.job.status}).")
        round_.refresh_from_db()
        return Response(selectors.round_state(round_=round_))
