"""`judge_path` names the judge by folder; it gets the same checks as a judge named by registry id: the
proxy's own folder is refused however the path is spelt (`..`, a symlink), and a registered model at
that folder whose training labels overlap the proxy's is refused too."""
from types import SimpleNamespace

import pytest
from django.urls import reverse

from tests.training.online_dpo.online_dpo_helpers import fill_project, register_policy, register_reward_model

pytestmark = pytest.mark.django_db


def saved_model_folder(path: str) -> None:
    from pathlib import Path

    Path(path).mkdir(parents=True, exist_ok=True)
    (Path(path) / "reward_model.json").write_text("{}")


@pytest.fixture
def ready(project, tmp_path):
    fill_project(project, prompts=12, items=0)
    register_policy(project, str(tmp_path / "policy"))
    proxy = register_reward_model(project, str(tmp_path / "proxy"))
    other = register_reward_model(project, str(tmp_path / "judge"))
    for model in (proxy, other):
        saved_model_folder(model.path)
    return SimpleNamespace(project=project, proxy=proxy, other=other, tmp_path=tmp_path)


def launch(client, ready, judge_path: str):
    url = reverse("api-online-runs", args=[ready.project.slug])
    return client.post(url, {"rounds": 1, "config": {"judge_path": judge_path, "device": "cpu"}}, format="json")


@pytest.mark.parametrize("spelling", ["dotdot", "symlink", "trailing-slash"])
def test_the_proxy_folder_is_refused_however_it_is_spelt(ready, admin_user, client_for, spelling):
    proxy = ready.proxy.path
    if spelling == "dotdot":
        path = f"{proxy}/../proxy"
    elif spelling == "symlink":
        path = str(ready.tmp_path / "alias")
        (ready.tmp_path / "alias").symlink_to(proxy)
    else:
        path = proxy + "/"

    response = launch(client_for(admin_user), ready, path)

    assert response.status_code == 400, response.json()
    assert "must not be the proxy" in str(response.json()["errors"]["judge_path"])


def test_a_registered_model_with_overlapping_labels_is_refused_by_path(ready, admin_user, client_for):
    for model in (ready.proxy, ready.other):
        model.data_source = {"source": f"the annotations of project {ready.project.slug!r}"}
        model.save()

    response = launch(client_for(admin_user), ready, ready.other.path)

    assert response.status_code == 400, response.json()
    assert "overlap" in str(response.json()["errors"]["judge_path"])


def test_an_independent_folder_is_accepted(ready, admin_user, client_for):
    response = launch(client_for(admin_user), ready, ready.other.path)

    assert response.status_code == 201, response.json()
