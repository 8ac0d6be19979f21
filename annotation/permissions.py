"""Who may do what. Global roles are Django groups (annotator, researcher, admin; superusers are admins);
project access additionally needs a Membership. Every view and API endpoint goes through these."""
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from rest_framework.permissions import BasePermission

from annotation.models import Membership, Project, Role

User = AbstractBaseUser | AnonymousUser


def user_roles(user: User) -> set[str]:
    """The user's roles, read once per request (cached on the user object)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_verdict_roles", None)
    if cached is not None:
        return cached
    names = () if user.is_superuser else user.groups.values_list("name", flat=True)
    return remember_roles(user, names)


def remember_roles(user: AbstractBaseUser, group_names: Iterable[str]) -> set[str]:
    """Set the user's roles from the names of their groups (ignored for a superuser, who holds every role),
    for `user_roles` to return for the rest of the request."""
    if user.is_superuser:
        roles = {Role.ADMIN, Role.RESEARCHER, Role.ANNOTATOR}
    else:
        names = set(group_names)
        roles = {role for role in Role.values if role in names}
        if Role.ADMIN in roles:
            roles |= {Role.RESEARCHER, Role.ANNOTATOR}
    user._verdict_roles = roles
    return roles


def is_admin(user: User) -> bool:
    return Role.ADMIN in user_roles(user)


def is_researcher(user: User) -> bool:
    return Role.RESEARCHER in user_roles(user)


def project_membership(user: User, project: Project) -> Membership | None:
    """The user's membership of the project (with its pause flag), or None: read once per project object,
    so the access check and next-task's pause check share one read. Cached on the project object, which
    every request loads afresh (a user object can outlive a request: a test's, or a shell's)."""
    if not user.is_authenticated:
        return None
    cache = project.__dict__.setdefault("_verdict_memberships", {})
    if user.pk not in cache:
        cache[user.pk] = Membership.objects.filter(project=project, user=user).first()
    return cache[user.pk]


def is_member(user: User, project: Project) -> bool:
    return project_membership(user, project) is not None


def can_view_project(user: User, project: Project) -> bool:
    return is_admin(user) or is_member(user, project)


def can_manage_project(user: User, project: Project) -> bool:
    """Researchers manage the projects they belong to; admins manage all."""
    return is_admin(user) or (is_researcher(user) and is_member(user, project))


def can_annotate(user: User, project: Project) -> bool:
    return bool(user_roles(user)) and is_member(user, project)


def visible_projects(user: User) -> QuerySet[Project]:
    if is_admin(user):
        return Project.objects.all()
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(memberships__user=user)


NO_SUCH_PROJECT = "No such project."


def _project_with_membership(user: User, slug: str) -> Project | None:
    """The project, with the user's membership (or its absence) already in `project_membership`'s cache:
    one statement where the ORM would run and build two, on every next-task. The membership comes with
    its id and pause flag; its other fields load if read."""
    if not user.is_authenticated:
        return Project.objects.filter(slug=slug).first()
    quote = connection.ops.quote_name
    sql = (
        f"SELECT p.*, m.id AS verdict_membership_id, m.paused AS verdict_membership_paused"
        f" FROM {quote(Project._meta.db_table)} p LEFT JOIN {quote(Membership._meta.db_table)} m"
        " ON m.project_id = p.id AND m.user_id = %s WHERE p.slug = %s"
    )
    project = next(iter(Project.objects.raw(sql, [user.pk, slug])), None)
    if project is None:
        return None
    membership = None
    if project.verdict_membership_id is not None:
        membership = Membership.from_db(
            connection.alias, ["id", "project_id", "user_id", "paused"],
            [project.verdict_membership_id, project.pk, user.pk, bool(project.verdict_membership_paused)],
        )
    project.__dict__.setdefault("_verdict_memberships", {})[user.pk] = membership
    return project


def project_for_annotation(user: User, slug: str) -> Project:
    """The project, or 404 when the user is not a member, with the very same message as for a project
    that does not exist (no leaking of which projects exist)."""
    project = _project_with_membership(user, slug)
    if project is None or not can_view_project(user, project):
        raise Http404(NO_SUCH_PROJECT)
    return project


MANAGERS_ONLY = "Only the project's researchers and admins may do this."


def require_manager(user: User, project: Project, message: str = MANAGERS_ONLY) -> Project:
    """The project, or 403 when the user may not manage it (pages and API alike)."""
    if not can_manage_project(user, project):
        raise PermissionDenied(message)
    return project


def managed_project(user: User, slug: str, message: str = MANAGERS_ONLY) -> Project:
    """A project the user manages: 404 for non-members, 403 for members who are not researchers."""
    return require_manager(user, project_for_annotation(user, slug), message)


class IsResearcher(BasePermission):
    message = "Only researchers and admins may do this."

    def has_permission(self, request, view) -> bool:  # noqa: ANN001
        return is_researcher(request.user)


class IsAdmin(BasePermission):
    message = "Only admins may do this."

    def has_permission(self, request, view) -> bool:  # noqa: ANN001
        return is_admin(request.user)
