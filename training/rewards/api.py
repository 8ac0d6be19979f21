"""REST API of reward-model jobs and the registry: parse, check access, call one service or selector,
render. Reads: the project's researchers and admins; writes: admins."""
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs import selectors as job_selectors
from jobs.permissions import job_project
from jobs.serializers import JobSerializer
from training.rewards import selectors, services
from training.rewards.serializers import (
    ActivateInputSerializer,
    EvaluationLaunchSerializer,
    JobLaunchSerializer,
    RewardModelSerializer,
)

LIVE_STATE = OpenApiResponse(description="Status, progress with ETA, metric series, summary, log tail, error.")


class ProjectJobsApi(APIView):
    @extend_schema(responses=JobSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        project = job_project(request.user, slug)
        return Response(JobSerializer(job_selectors.jobs_for_project(project=project)[:200], many=True).data)

    @extend_schema(request=JobLaunchSerializer, responses={201: LIVE_STATE})
    def post(self, request: Request, slug: str) -> Response:
        project = job_project(request.user, slug, write=True)
        serializer = JobLaunchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reference = serializer.validated_data["dataset_version"]
        version = selectors.dataset_version_for(project=project, reference=reference) if reference else None
        job = services.reward_job_launch(
            project=project, config=serializer.validated_data["config"], launched_by=request.user, dataset_version=version
        )
        job.refresh_from_db()
        return Response(job_selectors.job_live_state(job=job), status=status.HTTP_201_CREATED)


class RewardModelListApi(APIView):
    @extend_schema(responses=RewardModelSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        project = job_project(request.user, slug)
        return Response(RewardModelSerializer(selectors.reward_models_for_project(project=project), many=True).data)


class RewardModelActivateApi(APIView):
    @extend_schema(request=ActivateInputSerializer, responses=RewardModelSerializer)
    def post(self, request: Request, slug: str, model_id: int) -> Response:
        project = job_project(request.user, slug, write=True)
        model = get_object_or_404(selectors.reward_models_for_project(project=project), pk=model_id)
        serializer = ActivateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        model = services.reward_model_activate(reward_model=model, **serializer.validated_data)
        return Response(RewardModelSerializer(model).data)


class RewardModelEvaluateApi(APIView):
    @extend_schema(request=EvaluationLaunchSerializer, responses={201: LIVE_STATE})
    def post(self, request: Request, slug: str, model_id: int) -> Response:
        """Queue an evaluation of the model on a dataset version's split; the report lands on the model."""
        project = job_project(request.user, slug, write=True)
        model = get_object_or_404(selectors.reward_models_for_project(project=project), pk=model_id)
        serializer = EvaluationLaunchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = selectors.dataset_version_for(project=project, reference=data["dataset_version"])
        job = services.reward_evaluation_launch(
            reward_model=model, dataset_version=version, launched_by=request.user,
            config={"split": data["split"], "aggregation": data.get("aggregation", "")},
        )
        job.refresh_from_db()
        return Response(job_selectors.job_live_state(job=job), status=status.HTTP_201_CREATED)


class UncertaintyScoringApi(APIView):
    @extend_schema(request=None, responses={202: OpenApiResponse(description="Queued on the gpu queue.")})
    def post(self, request: Request, slug: str) -> Response:
        project = job_project(request.user, slug, write=True)
        services.uncertainty_scoring_enqueue(project=project)
        return Response(
            {"message": "Scoring the unlabelled queue by the active ensemble's disagreement.", "status": 202},
            status=status.HTTP_202_ACCEPTED,
        )
