"""`POST /api/token/`: DRF's token view with its own throttle (scope `token`, per client address);
wrong passwords also count towards the login lockout (django-axes), like the login page."""
from rest_framework.authtoken.views import ObtainAuthToken

from verdict.throttling import ScopedThrottle


class TokenApi(ObtainAuthToken):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "token"
