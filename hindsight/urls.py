"""Web routes of hindsight projects (namespace "hindsight")."""
from django.urls import path

from hindsight import views

app_name = "hindsight"

urlpatterns = [
    path("projects/<slug:slug>/hindsight/annotate/", views.annotate, name="annotate"),
    path("projects/<slug:slug>/hindsight/dashboard/", views.dashboard, name="dashboard"),
    path("projects/<slug:slug>/hindsight/simulate/", views.simulate, name="simulate"),
    path("projects/<slug:slug>/hindsight/scenarios/", views.import_scenarios, name="import"),
    path("projects/<slug:slug>/hindsight/responses/<int:response_id>/outcomes/", views.outcomes, name="outcomes"),
]
