"""API routes of the datasets app, mounted under /api/."""
from datasets_app.exports import urls as export_urls
from datasets_app.imports import urls as import_urls

urlpatterns = [*import_urls.api_urlpatterns, *export_urls.api_urlpatterns]
