"""Routes of dataset versions: pages (namespaced "datasets_app") and the API (mounted under /api/)."""
from django.urls import path

from datasets_app import api_exports, views_exports

urlpatterns = [
    path("projects/<slug:slug>/datasets/", views_exports.dataset_list, name="dataset_list"),
    path("projects/<slug:slug>/datasets/<int:version>/download/", views_exports.dataset_download, name="dataset_download"),
    path("projects/<slug:slug>/datasets/<int:version>/files/<path:path>", views_exports.dataset_download, name="dataset_file"),
]

api_urlpatterns = [
    path("projects/<slug:slug>/datasets/", api_exports.DatasetVersionListCreateApi.as_view(), name="api-datasets"),
    path("projects/<slug:slug>/datasets/<int:version>/", api_exports.DatasetVersionDetailApi.as_view(), name="api-dataset"),
    path("projects/<slug:slug>/datasets/<int:version>/download/", api_exports.DatasetVersionDownloadApi.as_view(), name="api-dataset-download"),
]
