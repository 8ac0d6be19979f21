"""REST API of the arena: the stored leaderboard, and launching an arena."""
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.permissions import job_project
from training.arena import selectors
from training.arena.serializers import ArenaLaunchSerializer, LeaderboardSerializer
from training.arena.services import arena_launch


class ArenaApi(APIView):
    @extend_schema(responses=LeaderboardSerializer)
    def get(self, request: Request, slug: str) -> Response:
        """The leaderboard as last computed in the background (never recomputed by the request)."""
        project = job_project(request.user, slug)
        board = selectors.stored_leaderboard(project=project)
        return Response({**board.payload, "computed_at": board.computed_at, "stale": board.stale})

    @extend_schema(request=ArenaLaunchSerializer, responses={201: OpenApiResponse(description="The arena's id, its job and status.")})
    def post(self, request: Request, slug: str) -> Response:
        project = job_project(request.user, slug, write=True)
        serializer = ArenaLaunchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        arena = arena_launch(
            project=project, checkpoint_ids=data["checkpoints"], model_names=data["model_names"], config=data["config"],
            launched_by=request.user,
        )
        return Response({"arena": arena.pk, "job": arena.job_id, "status": arena.job.status}, status=status.HTTP_201_CREATED)
