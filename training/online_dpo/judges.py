"""A round's independent judge: a reward model that scores the held-out samples beside the proxy (the
model the round optimises against) and is never optimised against itself — another registered reward
model of the project trained on disjoint labels, a member of the proxy's ensemble held out of the
optimisation, or a saved model folder the admin names. Checked at launch (ValidationError keyed by the
setting: a 400 from the API) and again when a round starts, since the proxy may be the project's active
model at that time."""
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from annotation.models import Project
from training.rewards.models import RewardModel

OWN_ANNOTATIONS = "the annotations of project"


@dataclass(frozen=True)
class Judge:
    kind: str  # reward_model, member or path
    label: str
    paths: list[str]
    aggregation: str
    uwo_lambda: float
    reward_model_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "paths": self.paths, "reward_model": self.reward_model_id}


def _paths(model: RewardModel) -> set[str]:
    """The model's folders, resolved (no `..`, no symlinks), so that one folder has one spelling."""
    return {str(Path(p).resolve()) for p in (*(model.member_paths or []), model.path)}


def training_data_overlap(proxy: RewardModel, judge: RewardModel) -> str | None:
    """Why the two models' training labels overlap, when the registry can tell; None when it cannot
    (different dataset versions, or a dataset version against the project's annotations)."""
    if proxy.dataset_version_id is not None and proxy.dataset_version_id == judge.dataset_version_id:
        return f"both were trained on dataset version #{proxy.dataset_version_id}"
    source, other = proxy.data_source.get("source") or "", judge.data_source.get("source") or ""
    if source and source == other and proxy.dataset_version_id is None and judge.dataset_version_id is None:
        if source.startswith(OWN_ANNOTATIONS):
            return f"both were trained on {source} (the later one's labels include the earlier one's)"
        return f"both were trained on {source}"
    return None


def _refuse_unless_independent(model: RewardModel, proxy: RewardModel, setting_name: str) -> None:
    """A ValidationError keyed by `setting_name` when the judge `model` is the proxy (or shares a folder
    with it) or was trained on labels that overlap the proxy's."""
    if model.pk == proxy.pk or _paths(model) & _paths(proxy):
        raise ValidationError({setting_name: f"The judge must not be the proxy reward model (#{proxy.pk}) the rounds optimise against."})
    overlap = training_data_overlap(proxy, model)
    if overlap:
        raise ValidationError({setting_name: f"The judge's training labels overlap the proxy's: {overlap}."})


def judge_resolve(*, project: Project, config: dict[str, Any], proxy: RewardModel | None) -> Judge | None:
    """The judge the config names, checked against the proxy; None when none is named."""
    if config.get("judge_reward_model") is not None:
        model = RewardModel.objects.filter(project=project, pk=config["judge_reward_model"]).first()
        if model is None:
            raise ValidationError({"judge_reward_model": f"Reward model #{config['judge_reward_model']} is not one of project {project.slug}."})
        if proxy is not None:
            _refuse_unless_independent(model, proxy, "judge_reward_model")
        return Judge("reward_model", f"reward model #{model.pk} ({model.name})", model.member_paths or [model.path], model.aggregation, model.uwo_lambda, model.pk)
    if config.get("judge_member") is not None:
        index = config["judge_member"]
        if proxy is None:
            raise ValidationError({"judge_member": "No proxy reward model to hold a member out of."})
        if len(proxy.member_paths) < 2 or index >= len(proxy.member_paths):
            raise ValidationError({"judge_member": f"The proxy (#{proxy.pk}) has {len(proxy.member_paths)} member(s); holding one out needs at least 2 and an index below that."})
        return Judge("member", f"member {index} of reward model #{proxy.pk}, held out", [proxy.member_paths[index]], "mean", 0.0, proxy.pk)
    if config.get("judge_path"):
        folder = Path(config["judge_path"])
        if not folder.is_dir() or not ((folder / "reward_model.json").is_file() or any(folder.glob("member-*"))):
            raise ValidationError({"judge_path": f"{folder} is not a saved reward model folder (reward_model.json or member-* folders)."})
        if proxy is not None:
            # The proxy, or a registered model named by its folder, gets the checks of a judge named by id.
            resolved = str(folder.resolve())
            for model in (proxy, *RewardModel.objects.filter(project=project).exclude(pk=proxy.pk)):
                if resolved in _paths(model):
                    _refuse_unless_independent(model, proxy, "judge_path")
        return Judge("path", f"the model at {folder}", [str(folder)], "mean", 0.0)
    return None


def proxy_paths(proxy: RewardModel, config: dict[str, Any]) -> list[str]:
    """The proxy's member folders the round optimises against: all, less a member held out as judge."""
    paths = list(proxy.member_paths or [proxy.path])
    held_out = config.get("judge_member")
    if held_out is not None and len(paths) >= 2 and held_out < len(paths):
        del paths[held_out]
    return paths
