"""REST API for projects, tasks and annotations. Each view parses input, checks access, calls one
service or selector, and renders the result."""
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation import selectors, services, stats
from annotation.models import Annotation, Assignment
from annotation.permissions import (
    IsResearcher,
    can_annotate,
    managed_project,
    project_for_annotation,
    project_membership,
    visible_projects,
)
from annotation.serializers import (
    AnnotationInputSerializer,
    AnnotationRevisionSerializer,
    AnnotationSerializer,
    AnnotatorPauseInputSerializer,
    MemberInputSerializer,
    NextTaskInputSerializer,
    ProjectSerializer,
    SkipInputSerializer,
    TaskSerializer,
    task_payload,
)
from verdict.api_errors import Conflict


class ProjectListCreateApi(generics.ListCreateAPIView):
    serializer_class = ProjectSerializer
    keyset_ordering = ("name", "id")  # the page's order and its cursor (verdict.pagination)

    def get_queryset(self):  # noqa: ANN201
        return visible_projects(self.request.user).order_by("name")

    def create(self, request: Request, *args, **kwargs) -> Response:  # noqa: ANN003
        if not IsResearcher().has_permission(request, self):
            raise PermissionDenied("Only researchers and admins may create projects.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = services.project_create(created_by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    @extend_schema(responses=ProjectSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(ProjectSerializer(project_for_annotation(request.user, slug)).data)

    @extend_schema(request=ProjectSerializer, responses=ProjectSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        project = managed_project(request.user, slug)
        serializer = ProjectSerializer(project, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        project = services.project_update(project=project, **serializer.validated_data)
        return Response(ProjectSerializer(project).data)


class ProjectMemberApi(APIView):
    @extend_schema(request=MemberInputSerializer, responses={201: None})
    def post(self, request: Request, slug: str) -> Response:
        project = managed_project(request.user, slug)
        serializer = MemberInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = get_user_model().objects.filter(username=serializer.validated_data["username"]).first()
        if user is None:
            raise NotFound(f"No user named '{serializer.validated_data['username']}'.")
        services.membership_add(project=project, user=user)
        return Response({"message": f"{user.username} is a member of {project.slug}."}, status=status.HTTP_201_CREATED)


class ProjectStatsApi(APIView):
    @extend_schema(responses=OpenApiResponse(
        description="Progress, platform and imported labels, distributions, per-day series, agreement and every "
        "annotator's reliability and bias figures, each model judge's agreement with people by strength (`judges`), as stored by the last background refresh: `computed_at` says "
        "when, `stale` whether writes have landed since; `paused_annotators` is read live."
    ))
    def get(self, request: Request, slug: str) -> Response:
        project = managed_project(request.user, slug)
        stored = stats.project_stats_current(project=project)
        return Response({
            **stored.payload, "computed_at": stored.computed_at, "stale": stored.stale,
            "paused_annotators": selectors.paused_annotators(project=project),
        })


class AnnotatorPauseApi(APIView):
    @extend_schema(request=AnnotatorPauseInputSerializer, responses={200: None, 404: None})
    def post(self, request: Request, slug: str) -> Response:
        project = managed_project(request.user, slug)
        serializer = AnnotatorPauseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username, paused = serializer.validated_data["username"], serializer.validated_data["paused"]
        user = selectors.project_member(project=project, username=username)
        if user is None:
            raise NotFound(f"{username} is not a member of {project.slug}.")
        services.membership_pause(project=project, user=user, paused=paused)
        return Response({"username": username, "paused": paused})


class NextTaskApi(APIView):
    @extend_schema(
        request=NextTaskInputSerializer,
        responses={200: TaskSerializer, 204: OpenApiResponse(description="Nothing left for you."), 409: None},
    )
    def post(self, request: Request, slug: str) -> Response:
        project = project_for_annotation(request.user, slug)
        if not can_annotate(request.user, project):
            raise PermissionDenied("You are not an annotator of this project.")
        serializer = NextTaskInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            assignment = services.assignment_next(
                annotator=request.user,
                project=project,
                exclude_assignment_ids=tuple(serializer.validated_data["exclude"]),
                paused=project_membership(request.user, project).paused,
            )
        except (services.LeaseLimitReached, services.AnnotatorPaused) as error:
            raise Conflict(str(error)) from error
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        progress = selectors.annotator_progress(project=project, annotator=request.user)
        return Response(task_payload(assignment, progress))


def own_assignment(request: Request, assignment_id: int) -> Assignment:
    """The requesting annotator's assignment, with its item and project (what every task endpoint checks)."""
    return get_object_or_404(Assignment.objects.select_related("item__project"), pk=assignment_id, annotator=request.user)


class SkipTaskApi(APIView):
    @extend_schema(request=SkipInputSerializer, responses={200: None, 409: None})
    def post(self, request: Request, assignment_id: int) -> Response:
        assignment = own_assignment(request, assignment_id)
        serializer = SkipInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.assignment_skip(assignment=assignment, annotator=request.user, **serializer.validated_data)
        except services.AssignmentConflict as error:
            raise Conflict(str(error)) from error
        return Response({"message": "Skipped."})


class SubmitAnnotationApi(APIView):
    @extend_schema(request=AnnotationInputSerializer, responses={201: AnnotationSerializer, 200: AnnotationSerializer, 409: None})
    def post(self, request: Request, assignment_id: int) -> Response:
        serializer = AnnotationInputSerializer(data=request.data)
        if not serializer.is_valid():
            own_assignment(request, assignment_id)  # someone else's task is a 404, whatever the body says
            serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        client_id = data.pop("client_id")
        try:
            # Ownership is checked by the statement that locks the task (one read on every submit).
            annotation, created, assignment = services.task_submit(
                annotator=request.user, assignment_id=assignment_id, client_id=client_id, data=services.AnnotationInput(**data)
            )
        except services.TaskNotFound as error:
            raise NotFound(str(error)) from error
        except services.AssignmentConflict as error:
            raise Conflict(str(error)) from error
        annotation.assignment_id, annotation.swapped = assignment.pk, assignment.swapped
        return Response(AnnotationSerializer(annotation).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class AnnotationListApi(generics.ListAPIView):
    """The requesting annotator's own annotations (never anyone else's)."""

    serializer_class = AnnotationSerializer
    # Newest first; pages after the first are read by this keyset (the annotator, created_at index), not OFFSET.
    keyset_ordering = ("-created_at", "-id")

    def get_queryset(self):  # noqa: ANN201
        return selectors.annotations_of(annotator=self.request.user)

    def list_count(self) -> int:
        """The page's `count`, from the annotator's progress counters, not a COUNT(*) of their history."""
        return selectors.annotations_count(annotator=self.request.user)


class AnnotationDetailApi(APIView):
    def _own(self, request: Request, annotation_id: int) -> Annotation:
        return get_object_or_404(selectors.annotations_of(annotator=request.user), pk=annotation_id)

    @extend_schema(responses=AnnotationSerializer)
    def get(self, request: Request, annotation_id: int) -> Response:
        return Response(AnnotationSerializer(self._own(request, annotation_id)).data)

    @extend_schema(request=AnnotationRevisionSerializer, responses=AnnotationSerializer)
    def patch(self, request: Request, annotation_id: int) -> Response:
        annotation = self._own(request, annotation_id)
        serializer = AnnotationRevisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shown_as = annotation.assignment_id, annotation.swapped
        annotation = services.annotation_revise(
            annotator=request.user, annotation=annotation, data=services.AnnotationInput(**serializer.validated_data)
        )
        annotation.assignment_id, annotation.swapped = shown_as
        return Response(AnnotationSerializer(annotation).data)


class AnnotationTaskApi(APIView):
    """One of the requesting annotator's annotations with its task as they were shown it (same blind
    payload as next-task: slots, no item ids), so the workspace can reopen it for revision."""

    @extend_schema(responses={200: OpenApiResponse(description="`task` (the next-task payload) and `annotation` (as entered)."), 409: None})
    def get(self, request: Request, annotation_id: int) -> Response:
        annotation = get_object_or_404(selectors.annotations_of(annotator=request.user), pk=annotation_id)
        project = annotation.item.project
        if project.is_hindsight:
            raise Conflict("Hindsight judgements are rated before and after the reveal; they cannot be reopened here.")
        assignment = selectors.annotation_assignment(annotation=annotation)
        progress = selectors.annotator_progress(project=project, annotator=request.user)
        return Response({"task": task_payload(assignment, progress), "annotation": AnnotationSerializer(annotation).data})
