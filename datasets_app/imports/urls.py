"""Routes of imports: the web page (namespaced "datasets_app") and the API (mounted under /api/)."""
from django.urls import path

from datasets_app.imports import api, views

urlpatterns = [
    path("projects/<slug:slug>/import/", views.project_import, name="project_import"),
    path("projects/<slug:slug>/import/<int:record_id>/", views.import_detail, name="import_detail"),
]

api_urlpatterns = [
    path("projects/<slug:slug>/imports/", api.ImportListCreateApi.as_view(), name="api-project-imports"),
]
