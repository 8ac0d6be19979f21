"""REST API of a job of any kind: its live state, cancel, restart."""
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs import selectors, services
from jobs.models import JobStatus
from jobs.permissions import job_for_user
from verdict.api_errors import Conflict

LIVE_STATE = OpenApiResponse(description="Status, progress with ETA, metric series, summary, log tail, error.")


class JobDetailApi(APIView):
    @extend_schema(responses=LIVE_STATE)
    def get(self, request: Request, job_id: int) -> Response:
        return Response(selectors.job_live_state(job=job_for_user(request.user, job_id)))


class JobCancelApi(APIView):
    @extend_schema(request=None, responses={200: LIVE_STATE, 409: None})
    def post(self, request: Request, job_id: int) -> Response:
        job = job_for_user(request.user, job_id, write=True)
        if not job.is_active:
            raise Conflict(f"Job #{job.pk} has already finished ({job.status}).")
        job = services.job_cancel(job=job)
        return Response(selectors.job_live_state(job=job))


class JobRestartApi(APIView):
    @extend_schema(request=None, responses={201: LIVE_STATE, 409: None})
    def post(self, request: Request, job_id: int) -> Response:
        job = job_for_user(request.user, job_id, write=True)
        if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
            raise Conflict(f"Only a failed or cancelled job can be restarted; job #{job.pk} is {job.status}.")
        new_job = services.job_restart(job=job, launched_by=request.user)
        new_job.refresh_from_db()
        return Response(selectors.job_live_state(job=new_job), status=status.HTTP_201_CREATED)
