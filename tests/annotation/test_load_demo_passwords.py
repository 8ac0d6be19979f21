"""`load_demo` hands out the well-known demo password only in debug mode (issue 13, point 15)."""
import re

from django.contrib.auth import get_user_model
from django.core.management import call_command


def printed_passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"^  (\w+): (\S+)$", output, flags=re.MULTILINE))


def test_outside_debug_mode_demo_users_get_random_printed_passwords(db, settings, capsys):
    settings.DEBUG = False
    call_command("load_demo")
    output = capsys.readouterr().out
    admin = get_user_model().objects.get(username="admin")
    passwords = printed_passwords(output)
    assert "verdict-demo" not in output and not admin.check_password("verdict-demo")
    assert admin.is_superuser and admin.check_password(passwords["admin"])
    assert len(set(passwords.values())) == 5 and all(len(password) >= 20 for password in passwords.values())

    call_command("load_demo")
    admin.refresh_from_db()
    assert admin.check_password(passwords["admin"]), "a second run leaves existing users' passwords alone"
    assert "password unchanged" in capsys.readouterr().out


def test_in_debug_mode_the_demo_password_is_the_documented_one(db, settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    assert "verdict-demo" in capsys.readouterr().out
    assert get_user_model().objects.get(username="admin").check_password("verdict-demo")
