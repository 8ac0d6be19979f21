"""Routes of dataset versions: pages (namespaced "datasets_app") and the API (mounted under /api/)."""
from django.urls import path

from datasets_app.exports import api, views

urlpatterns = [
    path("projects/<slug:slug>/datasets/", views.dataset_list, name="dataset_list"),
    path("projects/<slug:slug>/datasets/<int:version>/download/", views.dataset_download, name="dataset_download"),
    path("projects/<slug:slug>/datasets/<int:version>/rebuild/", views.dataset_rebuild, name="dataset_rebuild"),
    path("projects/<slug:slug>/datasets/<int:version>/files/<path:path>", views.dataset_download, name="dataset_file"),
]

api_urlpatterns = [
    path("projects/<slug:slug>/datasets/", api.DatasetVersionListCreateApi.as_view(), name="api-datasets"),
    path("projects/<slug:slug>/datasets/<int:version>/", api.DatasetVersionDetailApi.as_view(), name="api-dataset"),
    path(
        "projects/<slug:slug>/datasets/<int:version>/rebuild/", api.DatasetVersionRebuildApi.as_view(),
        name="api-dataset-rebuild",
    ),
    path(
        "projects/<slug:slug>/datasets/<int:version>/download/", api.DatasetVersionDownloadApi.as_view(),
        name="api-dataset-download",
    ),
]
