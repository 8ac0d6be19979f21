from django.http import HttpRequest

from annotation.permissions import user_roles


def roles(request: HttpRequest) -> dict[str, bool]:
    """Role flags for templates (navigation only; every view still checks permissions itself)."""
    held = user_roles(request.user)
    return {
        "is_admin_role": "admin" in held,
        "is_researcher_role": "researcher" in held,
    }
