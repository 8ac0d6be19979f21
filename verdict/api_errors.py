"""Every API error is JSON with a human-readable `message` (and DRF's field errors under `errors`),
including failures nobody anticipated: those are `{"message": "Internal server error.", "status": 500}`
with the traceback in the log, never in the response."""
import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

API_PREFIX = "/api/"
INTERNAL_ERROR = {"message": "Internal server error.", "status": 500}
NOT_FOUND = {"message": "Not found.", "status": 404}
request_logger = logging.getLogger("django.request")


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for field, value in detail.items():
            inner = _first_message(value)
            return inner if field in ("detail", "non_field_errors", "message") else f"{field}: {inner}"
        return "Invalid input."
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else "Invalid input."
    return str(detail)


def json_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"message": exc.messages}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return _unexpected(exc, context)
    detail = response.data
    body: dict[str, Any] = {"message": _first_message(detail), "status": response.status_code}
    if isinstance(exc, exceptions.ValidationError) and response.status_code == status.HTTP_400_BAD_REQUEST:
        body["errors"] = detail
    response.data = body
    return response


def _unexpected(exc: Exception, context: dict) -> Response:
    """An exception DRF does not know: logged with its traceback (as Django logs a 500), answered as JSON."""
    request = getattr(context.get("request"), "_request", None)
    request_logger.error(
        "Internal Server Error: %s", getattr(request, "path", "?"), exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    response = Response(dict(INTERNAL_ERROR), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    response._has_been_logged = True  # Django would log it again, without the traceback
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500 (DEBUG=0): JSON under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(INTERNAL_ERROR, status=500)
    return defaults.server_error(request)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404 (DEBUG=0): JSON under /api/ (an unknown endpoint), Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(NOT_FOUND, status=404)
    return defaults.page_not_found(request, exception)


class Conflict(exceptions.APIException):
    """The request is well-formed but the resource's current state forbids it (HTTP 409): raise it from
    any API view, and the handler above renders it like every other error."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the resource's current state."
    default_code = "conflict"
