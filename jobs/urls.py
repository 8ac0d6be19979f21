"""Web routes of a job's page (namespace "jobs"); the paths predate the app and stay as they were."""
from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("training/jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("training/jobs/<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("training/jobs/<int:job_id>/restart/", views.job_restart, name="job_restart"),
]
