"""Root URLs: the one place that includes several apps' routes (an import-linter contract checks it)."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from verdict.auth_api import TokenApi


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Pages link the icon; this answers browsers (and pages not built on base.html, such as the admin's)
    that ask for /favicon.ico. Resolved per request: a manifest storage knows the hashed name only then."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/token/", TokenApi.as_view(), name="api-token"),
    path("api/", include("annotation.api_urls")),
    path("api/", include("hindsight.api_urls")),
    path("api/", include("jobs.api_urls")),
    path("api/", include("quality.api_urls")),
    path("api/", include("datasets_app.api_urls")),
    path("api/", include("training.api_urls")),
    path("", include("datasets_app.urls")),
    path("", include("jobs.urls")),
    path("", include("quality.urls")),
    path("", include("training.urls")),
    path("", include("hindsight.urls")),
    path("", include("annotation.urls")),
]

# Errors outside DRF's views (an unknown /api/ path, a failing middleware) are JSON under /api/ too.
handler404 = "verdict.api_errors.page_not_found"
handler500 = "verdict.api_errors.server_error"
