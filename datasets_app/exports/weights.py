"""The annotator weights of a reliability-weighted export, taken once, when the version is defined, from
the reliability estimates the background stats refresh stored for its projects (quality.reliability:
Dawid–Skene), and kept in the version's policy: a build — or a rebuild months later — weighs every
judgement as the version was defined, whatever the live estimates have become since."""
from collections import defaultdict
from statistics import fmean
from typing import Any

from django.core.exceptions import ValidationError

from annotation.models import Project
from annotation.selectors import project_stats
from datasets_app.exports.pseudonyms import pseudonymiser
from datasets_app.exports.selectors import user_ids_by_username

PAIR_FORMATS = ("helpsteer2-preference", "trl-preference")


def reliability_weights(*, project: Project, projects: list[Project]) -> dict[str, Any]:
    """{"by_annotator": {pseudonym: weight}, "default": weight, "source": …}: each annotator's weight is their
    reliability estimate (the mean over the projects that have one); judgements without an estimate
    (imported labels, annotators the model had nothing to learn from) weigh the mean of the others."""
    estimates: dict[str, list[float]] = defaultdict(list)
    computed = []
    for source in projects:
        stored = project_stats(project=source)
        payload = stored.payload if stored is not None else {}
        if payload.get("quality", {}).get("reliability_pending", True):
            raise ValidationError({"policy": (
                f"Project {source.slug} has no reliability estimates yet: they are computed by the background "
                "refresh of its dashboard figures. Try again in a minute."
            )})
        computed.append(f"{source.slug} {stored.computed_at.isoformat(timespec='seconds')}")
        for row in payload.get("annotators", []):
            if row.get("reliability") is not None:
                estimates[row["annotator"]].append(row["reliability"])
    ids = user_ids_by_username(usernames=sorted(estimates))
    pseudonym = pseudonymiser(project)
    by_annotator = {pseudonym(ids[name]): round(fmean(values), 6) for name, values in estimates.items() if name in ids}
    return {
        "by_annotator": dict(sorted(by_annotator.items())),
        "default": round(fmean(by_annotator.values()), 6) if by_annotator else 1.0,
        "source": "Dawid–Skene expected accuracy on pairwise side labels (crowd-kit), as computed at " + ", ".join(computed),
    }
