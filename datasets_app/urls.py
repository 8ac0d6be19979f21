"""Web routes of the datasets app: imports (`import_urls`) and dataset versions (`export_urls`)."""
from datasets_app import export_urls, import_urls

app_name = "datasets_app"

urlpatterns = [*import_urls.urlpatterns, *export_urls.urlpatterns]
