"""API throttles whose rates are read on every request from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`
(DRF's own classes copy the rates once at import, so changed settings would never apply). A rate of
None turns a scope off. Counts live in Django's cache: per process unless a shared cache is set."""
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class _RateFromSettings:
    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    """Unauthenticated API requests, per client address (scope `anon`)."""


class UserThrottle(_RateFromSettings, UserRateThrottle):
    """API requests per user, or per client address before authentication (scope `user`)."""


class ScopedThrottle(_RateFromSettings, ScopedRateThrottle):
    """A view's own `throttle_scope` (e.g. `token` for `/api/token/`)."""
