from django.urls import path

from annotation import api

urlpatterns = [
    path("projects/", api.ProjectListCreateApi.as_view(), name="api-projects"),
    path("projects/<slug:slug>/", api.ProjectDetailApi.as_view(), name="api-project"),
    path("projects/<slug:slug>/members/", api.ProjectMemberApi.as_view(), name="api-project-members"),
    path("projects/<slug:slug>/stats/", api.ProjectStatsApi.as_view(), name="api-project-stats"),
    path("projects/<slug:slug>/annotator-pauses/", api.AnnotatorPauseApi.as_view(), name="api-annotator-pauses"),
    path("projects/<slug:slug>/next-task/", api.NextTaskApi.as_view(), name="api-next-task"),
    path("tasks/<int:assignment_id>/skip/", api.SkipTaskApi.as_view(), name="api-skip-task"),
    path("tasks/<int:assignment_id>/annotation/", api.SubmitAnnotationApi.as_view(), name="api-submit-annotation"),
    path("annotations/", api.AnnotationListApi.as_view(), name="api-annotations"),
    path("annotations/<int:annotation_id>/", api.AnnotationDetailApi.as_view(), name="api-annotation"),
    path("annotations/<int:annotation_id>/task/", api.AnnotationTaskApi.as_view(), name="api-annotation-task"),
]
