from django.urls import path

from annotation import views

app_name = "annotation"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<slug:slug>/settings/", views.project_settings, name="project_settings"),
    path("projects/<slug:slug>/members/", views.project_add_member, name="project_add_member"),
    path("projects/<slug:slug>/dashboard/", views.project_dashboard, name="project_dashboard"),
    path("projects/<slug:slug>/dashboard/pause/", views.project_pause_annotator, name="project_pause_annotator"),
    path("projects/<slug:slug>/annotate/", views.annotate, name="annotate"),
    path("projects/<slug:slug>/mine/", views.my_annotations, name="my_annotations"),
]
