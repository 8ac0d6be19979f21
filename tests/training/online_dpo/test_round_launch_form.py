"""The online DPO launch form on the rounds page: each error once, next to the field it is about, and a
web user pointed at the page's button rather than a management command (issue 16, point 8)."""
import re

import pytest
from django.urls import reverse

from tests.training.online_dpo.online_dpo_helpers import fill_project, register_policy, register_reward_model

pytestmark = pytest.mark.django_db

FORM = {
    "rounds": "1", "start_checkpoint": "", "mode": "proxy", "prompts_per_round": "8", "samples_per_prompt": "4",
    "pair_strategy": "best_vs_worst", "human_fraction": "0.2", "reference": "initial", "beta": "0.1",
    "learning_rate": "0.000005", "extra": "",
}


def launch_form(html: str) -> str:
    return re.search(r'<form method="post" id="round-launch"[^>]*>.*?</form>', html, re.S).group(0)


def field_block(form_html: str, name: str) -> str:
    """The markup of one field's row: its label, input and what follows until the next row."""
    return re.search(rf'<div class="field" data-field="{name}">.*?</div>', form_html, re.S).group(0)


@pytest.fixture
def page(project, admin_user, client, tmp_path):
    fill_project(project, prompts=12, items=0)
    client.force_login(admin_user)
    return client, reverse("training:rounds", args=[project.slug])


def test_a_launch_error_is_shown_once(page, project, tmp_path):
    client, url = page
    register_policy(project, str(tmp_path / "policy"))
    html = client.post(url, FORM).content.decode()
    form = launch_form(html)
    assert form.count("The project has no active reward model") == 1


def test_bad_json_is_reported_under_the_json_field(page, project, tmp_path):
    client, url = page
    register_policy(project, str(tmp_path / "policy"))
    register_reward_model(project, str(tmp_path / "reward"))
    form = launch_form(client.post(url, {**FORM, "extra": '{"temperature": 0.9,'}).content.decode())
    assert form.count("Not JSON") == 1
    assert "Not JSON" in field_block(form, "extra")


def test_a_bad_setting_given_in_the_json_is_reported_under_the_json_field(page, project, tmp_path):
    client, url = page
    register_policy(project, str(tmp_path / "policy"))
    register_reward_model(project, str(tmp_path / "reward"))
    form = launch_form(client.post(url, {**FORM, "extra": '{"temperature": "hot"}'}).content.decode())
    assert "temperature: Expected int or float" in field_block(form, "extra")
    assert form.count("temperature: Expected int or float") == 1
    form = launch_form(client.post(url, {**FORM, "extra": '{"colour": "red"}'}).content.decode())
    assert "colour: Unknown setting" in field_block(form, "extra")


def test_a_project_without_a_policy_points_the_web_user_at_the_bootstrap_button(page, project):
    client, url = page
    html = client.post(url, FORM).content.decode()
    assert "manage.py" not in html
    form = launch_form(html)
    assert "Build the tiny policy" in field_block(form, "start_checkpoint")
    bootstrap = reverse("training:policy_bootstrap", args=[project.slug])
    assert re.search(rf'<form method="post" action="{bootstrap}"[^>]*>.*?Build the tiny policy</button>', html, re.S)
