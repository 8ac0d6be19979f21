"""API token authentication that reads the user and their roles in one statement.

DRF's `TokenAuthentication` reads the token with its user, and the first role check of the request then
reads the user's groups: two statements, each built by the ORM, on every API request (next-task and
submit included). Here one raw statement returns the user once per group they belong to."""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from annotation.permissions import remember_roles


def _user_with_groups_sql() -> str:
    user_model = get_user_model()
    memberships = user_model.groups.through
    quote = connection.ops.quote_name
    return (
        f"SELECT u.*, g.name AS verdict_group_name FROM {quote(Token._meta.db_table)} t"
        f" JOIN {quote(user_model._meta.db_table)} u ON u.{quote(user_model._meta.pk.column)} = t.user_id"
        f" LEFT JOIN {quote(memberships._meta.db_table)} ug ON ug.user_id = u.{quote(user_model._meta.pk.column)}"
        f" LEFT JOIN {quote(Group._meta.db_table)} g ON g.id = ug.group_id"
        " WHERE t.key = %s"
    )


class TokenWithRolesAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's; the user arrives with `permissions.user_roles` already set."""

    def authenticate_credentials(self, key: str) -> tuple:
        rows = list(get_user_model().objects.raw(_user_with_groups_sql(), [key]))
        if not rows:
            raise AuthenticationFailed("Invalid token.")
        user = rows[0]
        if not user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        remember_roles(user, (row.verdict_group_name for row in rows if row.verdict_group_name is not None))
        return user, Token(key=key, user=user)
