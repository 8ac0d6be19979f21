"""`judge_path` names the judge by folder; it gets the same checks as a judge named by registry id: the
proxy's own folder is refused however the path is spelt (`..`, a symlink), and a registered model at
that folder whose training labels overlap the proxy's is refused too."""
import pytest
from django.urls import reverse

from tests.training.online_dpo.test_round_judge import ready  # noqa: F401

pytestmark = pytest.mark.django_db


def saved_model_folder(path: str) -> None:
    from pathlib import Path

    Path(path).mkdir(parents=True, exist_ok=True)
    (Path(path) / "reward_model.json").write_text("{}")


@pytest.fixture
def saved(ready):  # noqa: F811
    """test_round_judge's proxy and other model, each with a saved model folder on disk."""
    for model in (ready.proxy, ready.other):
        saved_model_folder(model.path)
    return ready


def launch(client, saved, judge_path: str):
    url = reverse("api-online-runs", args=[saved.project.slug])
    return client.post(url, {"rounds": 1, "config": {"judge_path": judge_path, "device": "cpu"}}, format="json")


@pytest.mark.parametrize("spelling", ["dotdot", "symlink", "trailing-slash"])
def test_the_proxy_folder_is_refused_however_it_is_spelt(saved, admin_user, client_for, spelling):
    proxy = saved.proxy.path
    if spelling == "dotdot":
        path = f"{proxy}/../proxy"
    elif spelling == "symlink":
        path = str(saved.tmp_path / "alias")
        (saved.tmp_path / "alias").symlink_to(proxy)
    else:
        path = proxy + "/"

    response = launch(client_for(admin_user), saved, path)

    assert response.status_code == 400, response.json()
    assert "must not be the proxy" in str(response.json()["errors"]["judge_path"])


def test_a_registered_model_with_overlapping_labels_is_refused_by_path(saved, admin_user, client_for):
    for model in (saved.proxy, saved.other):
        model.data_source = {"source": f"the annotations of project {saved.project.slug!r}"}
        model.save()

    response = launch(client_for(admin_user), saved, saved.other.path)

    assert response.status_code == 400, response.json()
    assert "overlap" in str(response.json()["errors"]["judge_path"])


def test_an_independent_folder_is_accepted(saved, admin_user, client_for):
    response = launch(client_for(admin_user), saved, saved.other.path)

    assert response.status_code == 201, response.json()
