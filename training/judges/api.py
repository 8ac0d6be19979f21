"""REST API of model judges: a project's judge runs (researchers), launching one (admins)."""
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.permissions import job_project
from training.judges import selectors
from training.judges.serializers import JudgeLaunchSerializer, JudgeRunSerializer
from training.judges.services import judge_run_launch

MAX_LISTED = 100


class JudgeRunsApi(APIView):
    @extend_schema(responses=JudgeRunSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        """The project's latest judge runs (their agreement with people is on the stats endpoint, `judges`)."""
        project = job_project(request.user, slug)
        return Response(JudgeRunSerializer(selectors.judge_runs_of(project=project)[:MAX_LISTED], many=True).data)

    @extend_schema(request=JudgeLaunchSerializer, responses={201: OpenApiResponse(description="The run's id, label, job and status.")})
    def post(self, request: Request, slug: str) -> Response:
        project = job_project(request.user, slug, write=True)
        serializer = JudgeLaunchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        config = serializer.validated_data["config"]
        if not isinstance(config, dict):
            raise ValidationError({"config": "Must be an object of JudgeConfig settings."})
        run = judge_run_launch(project=project, config=config, launched_by=request.user)
        return Response({"judge_run": run.pk, "label": run.label, "job": run.job_id, "status": run.job.status},
                        status=status.HTTP_201_CREATED)
