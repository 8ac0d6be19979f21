"""API routes of the datasets app, mounted under /api/."""
from datasets_app import export_urls, import_urls

urlpatterns = [*import_urls.api_urlpatterns, *export_urls.api_urlpatterns]
