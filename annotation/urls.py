from django.urls import path

from annotation import views
from annotation.hindsight import views as hindsight_views

app_name = "annotation"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<slug:slug>/settings/", views.project_settings, name="project_settings"),
    path("projects/<slug:slug>/members/", views.project_add_member, name="project_add_member"),
    path("projects/<slug:slug>/dashboard/", views.project_dashboard, name="project_dashboard"),
    path("projects/<slug:slug>/annotate/", views.annotate, name="annotate"),
    path("projects/<slug:slug>/mine/", views.my_annotations, name="my_annotations"),
    path("projects/<slug:slug>/hindsight/annotate/", hindsight_views.annotate, name="hindsight_annotate"),
    path("projects/<slug:slug>/hindsight/dashboard/", hindsight_views.dashboard, name="hindsight_dashboard"),
    path("projects/<slug:slug>/hindsight/simulate/", hindsight_views.simulate, name="hindsight_simulate"),
    path("projects/<slug:slug>/hindsight/scenarios/", hindsight_views.import_scenarios, name="hindsight_import"),
    path("projects/<slug:slug>/hindsight/responses/<int:response_id>/outcomes/", hindsight_views.outcomes, name="hindsight_outcomes"),
]
