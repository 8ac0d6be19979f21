"""Verdict's URLs plus two /api/ views that fail unexpectedly, for tests/test_api_errors_and_schema.py."""
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from verdict import urls as verdict_urls

# The project's error handlers, as a ROOT_URLCONF must name them itself.
handler404 = getattr(verdict_urls, "handler404", "django.views.defaults.page_not_found")
handler500 = getattr(verdict_urls, "handler500", "django.views.defaults.server_error")

SECRET = "secret-detail-that-must-not-leak"


class FailingApi(APIView):
    def get(self, request: Request) -> Response:
        raise RuntimeError(SECRET)


def failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


urlpatterns = [
    path("api/test-failure/drf/", FailingApi.as_view()),
    path("api/test-failure/plain/", failing_view),
    *verdict_urls.urlpatterns,
]
