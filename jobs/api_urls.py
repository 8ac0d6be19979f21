"""API routes of jobs, mounted under /api/."""
from django.urls import path

from jobs import api

urlpatterns = [
    path("jobs/<int:job_id>/", api.JobDetailApi.as_view(), name="api-job"),
    path("jobs/<int:job_id>/cancel/", api.JobCancelApi.as_view(), name="api-job-cancel"),
    path("jobs/<int:job_id>/restart/", api.JobRestartApi.as_view(), name="api-job-restart"),
]
