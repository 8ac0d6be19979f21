"""`manage.py load_demo` builds a usable demo and is safe to run twice."""

from django.contrib.auth import get_user_model
from django.core.management import call_command

from annotation.models import Annotation, Item, Project
from annotation.permissions import can_manage_project, is_admin, user_roles
from datasets_app.models import ImportRecord, ImportStatus
from tests.data import HH_SAMPLE


def snapshot() -> tuple[int, ...]:
    return (
        get_user_model().objects.count(), Project.objects.count(), Item.objects.count(), Annotation.objects.count(),
    )


def test_load_demo_creates_users_projects_and_items(db, capsys, settings):
    settings.DEBUG = True  # the demo password is the well-known one only in debug mode (as scripts/demo.sh runs)
    call_command("load_demo")

    assert "verdict-demo" in capsys.readouterr().out
    User = get_user_model()
    admin, researcher = User.objects.get(username="admin"), User.objects.get(username="researcher")
    assert is_admin(admin) and admin.check_password("verdict-demo")
    assert user_roles(User.objects.get(username="annotator3")) == {"annotator"}
    demo = Project.objects.get(slug="demo")
    assert (demo.name, demo.overlap, demo.task_types) == ("Demo: helpful and harmless", 2, ["pairwise", "likert"])
    assert "+3" in demo.guidelines and "verbosity" in demo.guidelines.lower()
    assert can_manage_project(researcher, demo)
    assert demo.memberships.count() == 5
    pairs = Item.objects.filter(project=demo)
    assert pairs.count() == 40
    assert pairs.filter(response_2__isnull=True).count() == 0
    assert pairs.filter(is_gold=True).count() == 3
    assert pairs.filter(prompt__messages__2__role="user").exists()
    assert pairs.filter(response_1__text__contains="<script>alert(1)</script>").exists() or pairs.filter(
        response_2__text__contains="<script>alert(1)</script>"
    ).exists()
    likert = Project.objects.get(slug="demo-likert")
    assert likert.task_types == ["likert"]
    assert Item.objects.filter(project=likert, response_2__isnull=True).count() == Item.objects.filter(project=likert).count() > 0
    assert set(ImportRecord.objects.values_list("status", flat=True)) == {ImportStatus.SUCCEEDED}


def test_load_demo_twice_changes_nothing(db):
    call_command("load_demo")
    before = snapshot()

    call_command("load_demo")

    assert snapshot() == before
    # A second run adds no "past import" row either (issue 16, point 11: it used to add one per demo file).
    assert ImportRecord.objects.filter(status=ImportStatus.SUCCEEDED, items_created=0).count() == 0


def test_load_demo_imports_the_first_hh_rows(db):
    call_command("load_demo", hh=HH_SAMPLE, hh_rows=25)

    record = ImportRecord.objects.get(format="hh-rlhf")
    assert (record.rows_read, record.items_created) == (25, 25)
    assert Item.objects.filter(project__slug="demo").count() == 65
