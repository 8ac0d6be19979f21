"""REST API of the policy registry."""
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.permissions import job_project
from training.policies import selectors
from training.policies.bootstrap import policy_bootstrap_launch
from training.policies.serializers import BootstrapSerializer, CheckpointSerializer


class PolicyCheckpointsApi(APIView):
    @extend_schema(responses=CheckpointSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        project = job_project(request.user, slug)
        return Response(CheckpointSerializer(selectors.checkpoints_for_project(project=project), many=True).data)


class PolicyBootstrapApi(APIView):
    @extend_schema(request=BootstrapSerializer, responses={201: OpenApiResponse(description="The queued job's id and status.")})
    def post(self, request: Request, slug: str) -> Response:
        project = job_project(request.user, slug, write=True)
        serializer = BootstrapSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = policy_bootstrap_launch(project=project, config=serializer.validated_data["config"], launched_by=request.user)
        job.refresh_from_db()
        return Response({"job": job.pk, "status": job.status}, status=status.HTTP_201_CREATED)
