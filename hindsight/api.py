"""REST API of hindsight simulation. The browser workspace uses only these endpoints; the reveal
order is enforced by the services they call."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation import selectors as annotation_selectors
from annotation.api import own_assignment
from annotation.models import Assignment, Project, TaskType
from annotation.permissions import can_annotate, managed_project, project_for_annotation, project_membership
from annotation.services import AnnotatorPaused, AssignmentConflict, LeaseLimitReached, assignment_next
from hindsight import jobs, selectors, services
from hindsight.importer import ScenarioImportError, scenarios_import
from hindsight.serializers import (
    ForesightInputSerializer,
    HindsightInputSerializer,
    NextInputSerializer,
    ScenarioImportInputSerializer,
    SimulationLaunchSerializer,
    hindsight_payload,
)
from jobs.permissions import job_project
from jobs.selectors import job_live_state
from verdict.api_errors import Conflict

TASK = OpenApiResponse(description="Hindsight task: conversation, responses, scale, stage, foresight; reveal once revealed.")


def hindsight_project(project: Project) -> Project:
    if TaskType.HINDSIGHT not in project.task_types:
        raise Http404("This is not a hindsight project.")
    return project


def _task(request: Request, assignment: Assignment, *, with_progress: bool = False) -> dict:
    item = assignment.item
    response_ids = [item.response_1_id] + ([item.response_2_id] if item.response_2_id else [])
    ready = len(selectors.latest_outcomes(response_ids=response_ids)) == len(response_ids)
    progress = annotation_selectors.annotator_progress(project=item.project, annotator=request.user) if with_progress else None
    return hindsight_payload(assignment, selectors.judgement_for(assignment_id=assignment.pk), progress, outcome_ready=ready)


def _own(request: Request, assignment_id: int) -> Assignment:
    assignment = own_assignment(request, assignment_id)
    hindsight_project(assignment.item.project)
    return assignment


class HindsightNextTaskApi(APIView):
    @extend_schema(request=NextInputSerializer, responses={200: TASK, 204: OpenApiResponse(description="Nothing left."), 409: None})
    def post(self, request: Request, slug: str) -> Response:
        project = hindsight_project(project_for_annotation(request.user, slug))
        if not can_annotate(request.user, project):
            raise PermissionDenied("You are not an annotator of this project.")
        serializer = NextInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            assignment = assignment_next(
                annotator=request.user,
                project=project,
                exclude_assignment_ids=tuple(serializer.validated_data["exclude"]),
                paused=project_membership(request.user, project).paused,
            )
        except (LeaseLimitReached, AnnotatorPaused) as error:
            raise Conflict(str(error)) from error
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(_task(request, assignment, with_progress=True))


class HindsightTaskApi(APIView):
    @extend_schema(responses=TASK)
    def get(self, request: Request, assignment_id: int) -> Response:
        return Response(_task(request, _own(request, assignment_id)))


class ForesightApi(APIView):
    @extend_schema(request=ForesightInputSerializer, responses={200: TASK, 409: None})
    def post(self, request: Request, assignment_id: int) -> Response:
        assignment = _own(request, assignment_id)
        serializer = ForesightInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.foresight_submit(annotator=request.user, assignment=assignment, rating=serializer.validated_data["rating"])
        except AssignmentConflict as error:
            raise Conflict(str(error)) from error
        return Response(_task(request, assignment))


class RevealApi(APIView):
    @extend_schema(request=None, responses={200: TASK, 409: None})
    def post(self, request: Request, assignment_id: int) -> Response:
        assignment = _own(request, assignment_id)
        try:
            services.outcome_reveal(annotator=request.user, assignment=assignment)
        except AssignmentConflict as error:
            raise Conflict(str(error)) from error
        return Response(_task(request, assignment))


class HindsightSubmitApi(APIView):
    @extend_schema(request=HindsightInputSerializer, responses={201: TASK, 200: TASK, 409: None})
    def post(self, request: Request, assignment_id: int) -> Response:
        assignment = _own(request, assignment_id)
        serializer = HindsightInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        client_id = data.pop("client_id")
        try:
            _, created = services.hindsight_submit(
                annotator=request.user, assignment=assignment, client_id=client_id, data=services.HindsightInput(**data)
            )
        except AssignmentConflict as error:
            raise Conflict(str(error)) from error
        assignment.refresh_from_db()
        return Response(_task(request, assignment), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ScenarioImportApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=ScenarioImportInputSerializer,
        responses={201: OpenApiResponse(description="Counts created."), 400: OpenApiResponse(description="Nothing imported: errors [{file, line, field, message}].")},
    )
    def post(self, request: Request, slug: str) -> Response:
        project = hindsight_project(managed_project(request.user, slug))
        serializer = ScenarioImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            summary = scenarios_import(
                project=project, lines=upload.read().splitlines(), file_name=upload.name, layout=serializer.validated_data["layout"]
            )
        except ScenarioImportError as error:
            body = {"message": f"Nothing imported: {len(error.errors)} problem(s). {error}", "status": 400, "errors": error.errors}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(summary.as_dict(), status=status.HTTP_201_CREATED)


class OutcomeSimulationApi(APIView):
    @extend_schema(responses=OpenApiResponse(description="Outcome coverage, default configuration, recent simulation jobs."))
    def get(self, request: Request, slug: str) -> Response:
        project = hindsight_project(job_project(request.user, slug))
        return Response({
            "coverage": selectors.outcome_coverage(project=project),
            "defaults": selectors.last_simulation_config(project=project) or jobs.simulation_config_defaults(),
            "jobs": [job_live_state(job=job) for job in selectors.simulation_jobs(project=project)[:20]],
        })

    @extend_schema(request=SimulationLaunchSerializer, responses={201: OpenApiResponse(description="The queued job's live state.")})
    def post(self, request: Request, slug: str) -> Response:
        project = hindsight_project(job_project(request.user, slug, write=True))
        serializer = SimulationLaunchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = jobs.outcome_simulation_launch(project=project, config=serializer.validated_data["config"], launched_by=request.user)
        job.refresh_from_db()
        return Response(job_live_state(job=job), status=status.HTTP_201_CREATED)


class HindsightStatsApi(APIView):
    @extend_schema(responses=OpenApiResponse(description="Gap per response (Goodhart first), per model/checkpoint/round, overall."))
    def get(self, request: Request, slug: str) -> Response:
        return Response(selectors.hindsight_dashboard(project=hindsight_project(managed_project(request.user, slug))))


class HindsightPreferencePairsApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("label_source", str, enum=["hindsight", "foresight"])],
        responses=OpenApiResponse(description="[{prompt, chosen, rejected, strength, label_source, …}]"),
    )
    def get(self, request: Request, slug: str) -> Response:
        project = hindsight_project(managed_project(request.user, slug))
        source = request.query_params.get("label_source", "hindsight")
        if source not in ("hindsight", "foresight"):
            return Response({"message": "label_source must be hindsight or foresight.", "status": 400}, status=400)
        return Response(selectors.hindsight_preference_pairs(project=project, label_source=source))


class ResponseOutcomesApi(APIView):
    @extend_schema(responses=OpenApiResponse(description="Every outcome version of the response, newest first, with provenance."))
    def get(self, request: Request, slug: str, response_id: int) -> Response:
        project = hindsight_project(managed_project(request.user, slug))
        response = get_object_or_404(selectors.project_responses(project=project), pk=response_id)
        return Response([
            {
                "id": o.pk, "version": o.version, "text": o.text, "simulator": o.simulator, "model_path": o.model_path,
                "template_hash": o.template_hash, "template_text": o.template_text, "simulator_input": o.simulator_input,
                "generation_params": o.generation_params, "job_id": o.job_id, "created_at": o.created_at,
            }
            for o in selectors.outcome_versions(response=response)
        ])
