"""REST API of training jobs and the reward-model registry: parse, check access, call one service or
selector, render. Reads: the project's researchers and admins; writes: admins."""
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from training import reward_jobs, selectors, services, services_reward
from training.models import JobStatus
from training.permissions import training_job, training_project
from training.serializers import ActivateInputSerializer, JobLaunchSerializer, JobSerializer, RewardModelSerializer

LIVE_STATE = OpenApiResponse(description="Status, progress with ETA, metric series, summary, log tail, error.")


def conflict(message: str) -> Response:
    return Response({"message": message, "status": 409}, status=status.HTTP_409_CONFLICT)


class ProjectJobsApi(APIView):
    @extend_schema(responses=JobSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        project = training_project(request.user, slug)
        return Response(JobSerializer(selectors.jobs_for_project(project=project)[:200], many=True).data)

    @extend_schema(request=JobLaunchSerializer, responses={201: LIVE_STATE})
    def post(self, request: Request, slug: str) -> Response:
        project = training_project(request.user, slug, write=True)
        serializer = JobLaunchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reference = serializer.validated_data["dataset_version"]
        version = selectors.dataset_version_for(project=project, reference=reference) if reference else None
        job = reward_jobs.reward_job_launch(
            project=project, config=serializer.validated_data["config"], launched_by=request.user, dataset_version=version
        )
        job.refresh_from_db()
        return Response(selectors.job_live_state(job=job), status=status.HTTP_201_CREATED)


class JobDetailApi(APIView):
    @extend_schema(responses=LIVE_STATE)
    def get(self, request: Request, job_id: int) -> Response:
        return Response(selectors.job_live_state(job=training_job(request.user, job_id)))


class JobCancelApi(APIView):
    @extend_schema(request=None, responses={200: LIVE_STATE, 409: None})
    def post(self, request: Request, job_id: int) -> Response:
        job = training_job(request.user, job_id, write=True)
        if not job.is_active:
            return conflict(f"Job #{job.pk} has already finished ({job.status}).")
        job = services.job_cancel(job=job)
        return Response(selectors.job_live_state(job=job))


class JobRestartApi(APIView):
    @extend_schema(request=None, responses={201: LIVE_STATE, 409: None})
    def post(self, request: Request, job_id: int) -> Response:
        job = training_job(request.user, job_id, write=True)
        if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
            return conflict(f"Only a failed or cancelled job can be restarted; job #{job.pk} is {job.status}.")
        new_job = services.job_restart(job=job, launched_by=request.user)
        new_job.refresh_from_db()
        return Response(selectors.job_live_state(job=new_job), status=status.HTTP_201_CREATED)


class RewardModelListApi(APIView):
    @extend_schema(responses=RewardModelSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        project = training_project(request.user, slug)
        return Response(RewardModelSerializer(selectors.reward_models_for_project(project=project), many=True).data)


class RewardModelActivateApi(APIView):
    @extend_schema(request=ActivateInputSerializer, responses=RewardModelSerializer)
    def post(self, request: Request, slug: str, model_id: int) -> Response:
        project = training_project(request.user, slug, write=True)
        model = get_object_or_404(selectors.reward_models_for_project(project=project), pk=model_id)
        serializer = ActivateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        model = services_reward.reward_model_activate(reward_model=model, **serializer.validated_data)
        return Response(RewardModelSerializer(model).data)


class UncertaintyScoringApi(APIView):
    @extend_schema(request=None, responses={202: OpenApiResponse(description="Queued on the gpu queue.")})
    def post(self, request: Request, slug: str) -> Response:
        project = training_project(request.user, slug, write=True)
        services_reward.uncertainty_scoring_enqueue(project=project)
        return Response(
            {"message": "Scoring the unlabelled queue by the active ensemble's disagreement.", "status": 202},
            status=status.HTTP_202_ACCEPTED,
        )
