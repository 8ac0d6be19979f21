"""Web routes of the datasets app: imports (`imports/urls.py`) and dataset versions (`exports/urls.py`)."""
from datasets_app.exports import urls as export_urls
from datasets_app.imports import urls as import_urls

app_name = "datasets_app"

urlpatterns = [*import_urls.urlpatterns, *export_urls.urlpatterns]
