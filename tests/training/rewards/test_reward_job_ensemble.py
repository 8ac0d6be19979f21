"""Ensembles: k members in one job become one registry entry, and with the project's uncertainty
ordering on, the active ensemble's disagreement decides which unlabelled pair is served first."""
import pytest

from annotation.models import Item
from annotation.services import assignment_next, assignment_skip
from jobs.models import JobStatus, TrainingJob
from tests.factories import ItemFactory, MembershipFactory, PromptFactory, ResponseFactory, UserFactory
from tests.training.rewards.test_reward_job import BAD, GOOD, add_separable_judgements, fast_config, launch, tiny_base  # noqa: F401
from training.rewards.models import RewardModel
from training.rewards.selectors import reward_scorer_for

UNLABELLED = [
    ("Tell me about lighthouses.", GOOD.format(topic="lighthouses"), BAD.format(topic="lighthouses")),
    ("Tell me about rain.", BAD.format(topic="rain"), GOOD.format(topic="rain")),
    ("Tell me about moss.", GOOD.format(topic="moss"), GOOD.format(topic="lichen")),
    ("Tell me about dust.", BAD.format(topic="dust"), BAD.format(topic="sand")),
    ("What is 2 + 2?", "4.", "Four, of course."),
    ("Describe a storm.", "Thunder, wind and rain all night.", "I refuse to describe storms."),
]


@pytest.fixture
def uncertain_project(project, annotator):
    project.uncertainty_ordering = True
    project.save()
    add_separable_judgements(project, annotator)
    Item.objects.filter(project=project, annotations__isnull=False).update(completed_count=1)
    for question, first, second in UNLABELLED:
        prompt = PromptFactory(project=project, messages=[{"role": "user", "content": question}])
        ItemFactory(
            project=project, prompt=prompt,
            response_1=ResponseFactory(prompt=prompt, text=first), response_2=ResponseFactory(prompt=prompt, text=second),
        )
    return project


def ensemble_config(base, **overrides) -> dict:
    return fast_config(base, epochs=2, ensemble_size=3, aggregation="uwo", uwo_lambda=0.5, **overrides)


@pytest.mark.django_db(transaction=True)
def test_an_ensemble_job_registers_one_model_and_orders_the_queue_by_disagreement(
    uncertain_project, admin_user, client_for, tiny_base  # noqa: F811
):
    created = launch(client_for(admin_user), "demo", ensemble_config(tiny_base))

    job = TrainingJob.objects.get(pk=created["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    model = RewardModel.objects.get(job=job)
    assert model.is_active and (model.aggregation, model.uwo_lambda) == ("uwo", 0.5)
    assert [path.rsplit("/", 1)[1] for path in model.member_paths] == ["member-0", "member-1", "member-2"]
    validation = job.metrics.filter(split="validation").values_list("values", flat=True)
    assert {values["member"] for values in validation} == {0, 1, 2} and len(job.summary["member_metrics"]) == 3

    from verdict_ml.rewards.ensemble import disagreement

    unlabelled = list(Item.objects.filter(project=uncertain_project, completed_count=0).order_by("pk"))
    scorer = reward_scorer_for(model)
    prompts = [item.prompt.messages for item in unlabelled]
    first = scorer.member_scores(prompts, [item.response_1.text for item in unlabelled])
    second = scorer.member_scores(prompts, [item.response_2.text for item in unlabelled])
    expected = disagreement([list(zip(a, b)) for a, b in zip(first, second)])
    assert [item.priority for item in unlabelled] == pytest.approx(expected, rel=1e-4, abs=1e-9)
    assert len(set(expected)) == len(expected) and max(expected) > 0
    assert set(Item.objects.filter(completed_count=1).values_list("priority", flat=True)) == {0.0}
    members = list(zip(*first))
    uwo = [sum(m) / 3 - 0.5 * sum((x - sum(m) / 3) ** 2 for x in m) / 3 for m in members]
    assert scorer(prompts, [item.response_1.text for item in unlabelled]) == pytest.approx(uwo, rel=1e-5)

    newcomer = UserFactory(username="nina", role="annotator")
    MembershipFactory(project=uncertain_project, user=newcomer)
    served = []
    for _ in unlabelled:
        assignment = assignment_next(annotator=newcomer, project=uncertain_project)
        served.append(assignment.item_id)
        assignment_skip(assignment=assignment, annotator=newcomer, reason="other")
    by_uncertainty = [item.pk for item, _ in sorted(zip(unlabelled, expected), key=lambda pair: (-pair[1], pair[0].pk))]
    assert served == by_uncertainty


@pytest.mark.django_db(transaction=True)
def test_queue_scoring_needs_the_setting_an_active_ensemble_and_an_admin(
    project, annotator, researcher, admin_user, client_for, tiny_base  # noqa: F811
):
    add_separable_judgements(project, annotator, count=8)
    admin = client_for(admin_user)

    off = admin.post("/api/projects/demo/uncertainty-scoring/")
    assert off.status_code == 400 and "Uncertainty ordering is off" in off.json()["message"]

    project.uncertainty_ordering = True
    project.save()
    assert "no active reward model" in admin.post("/api/projects/demo/uncertainty-scoring/").json()["message"]

    created = launch(admin, "demo", fast_config(tiny_base, epochs=1))
    # 2 validation pairs cannot show it beats chance (issue 17's activation gate): an admin forces it active.
    model_id = RewardModel.objects.get(job_id=created["id"]).pk
    assert admin.post(f"/api/projects/demo/reward-models/{model_id}/activate/", {"force": True}, format="json").status_code == 200
    single = admin.post("/api/projects/demo/uncertainty-scoring/")
    assert single.status_code == 400 and "needs an ensemble of at least 2" in single.json()["message"]
    assert client_for(researcher).post("/api/projects/demo/uncertainty-scoring/").status_code == 403
