"""Every project page shows one project navigation, with the links the user's role may follow
(issue 16, point 4)."""
import re

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

ANNOTATOR_LINKS = ["Annotate", "My annotations"]
MANAGER_LINKS = ["Import", "Datasets", "Review", "Adjudicate", "Training", "Reward models", "Rounds", "Policies", "Arena", "Judges", "Dashboard", "Settings"]
HINDSIGHT_LINKS = ["Outcomes", "Hindsight dashboard"]

MANAGER_PAGES = [
    "annotation:project_settings", "annotation:project_dashboard", "annotation:my_annotations",
    "datasets_app:project_import", "datasets_app:dataset_list", "training:job_list",
    "training:reward_models", "training:rounds", "training:policies", "training:arena", "training:judges",
]


def nav_links(html: str) -> list[str]:
    """The link texts of the page's project navigation (the first one)."""
    match = re.search(r'<nav class="project-nav".*?</nav>', html, re.S)
    assert match, "the page has no project navigation"
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<a [^>]*>(.*?)</a>", match.group(0), re.S)]


@pytest.mark.parametrize("page", MANAGER_PAGES)
def test_every_project_page_shows_the_project_navigation_to_its_researcher(page, project, researcher, client):
    client.force_login(researcher)
    response = client.get(reverse(page, args=[project.slug]))
    assert response.status_code == 200
    assert nav_links(response.content.decode()) == ANNOTATOR_LINKS + MANAGER_LINKS


def test_the_navigation_marks_the_current_page(project, researcher, client):
    client.force_login(researcher)
    html = client.get(reverse("datasets_app:dataset_list", args=[project.slug])).content.decode()
    current = re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', html)
    assert current == [reverse("datasets_app:dataset_list", args=[project.slug])]


def test_an_annotator_sees_only_the_annotation_links(project, annotator, client):
    client.force_login(annotator)
    html = client.get(reverse("annotation:my_annotations", args=[project.slug])).content.decode()
    assert nav_links(html) == ANNOTATOR_LINKS


def test_an_admin_outside_the_project_sees_the_management_links_only(project, admin_user, client):
    client.force_login(admin_user)
    html = client.get(reverse("training:job_list", args=[project.slug])).content.decode()
    assert nav_links(html) == MANAGER_LINKS


def test_a_hindsight_project_links_its_hindsight_pages(researcher, client):
    project = ProjectFactory(slug="hs", task_types=["hindsight"])
    MembershipFactory(project=project, user=researcher)
    client.force_login(researcher)
    html = client.get(reverse("hindsight:dashboard", args=[project.slug])).content.decode()
    assert nav_links(html) == ANNOTATOR_LINKS + MANAGER_LINKS[:10] + HINDSIGHT_LINKS + MANAGER_LINKS[10:]
    assert reverse("hindsight:annotate", args=[project.slug]) in html


def test_the_project_list_cards_use_the_same_navigation(project, researcher, annotator, client):
    client.force_login(researcher)
    html = client.get(reverse("annotation:project_list")).content.decode()
    assert nav_links(html) == ANNOTATOR_LINKS + MANAGER_LINKS
    client.force_login(UserFactory(username="no-role"))
    MembershipFactory(project=project, user=UserFactory(username="no-role"))
    assert 'class="project-nav"' not in client.get(reverse("annotation:project_list")).content.decode()
