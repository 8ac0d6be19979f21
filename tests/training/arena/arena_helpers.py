"""Builders for arena tests: a project whose prompts are pinned to the held-out or training pool, with
imported responses of named models on every prompt; voting on a battle as an annotator."""
from __future__ import annotations

import uuid

from annotation.models import Item, Project, Prompt
from annotation.services import AnnotationInput, annotation_submit, assignment_next
from tests.factories import PromptFactory, ResponseFactory, attribute_scores_for
from training.policies.pools import EVAL_POOL, TRAIN_POOL
from verdict_ml.policies.toy import toy_chat_examples

# Distinctive names, so that a test can look for them in anything an annotator receives.
MODELS = ("zebra-model-7b-secret", "yak-model-13b-secret")


def pinned_prompts(project: Project, *, held_out: int = 4, training: int = 4) -> dict[str, list[Prompt]]:
    """Toy prompts (the tiny policy's own kind), pinned to their pool by metadata."""
    examples = toy_chat_examples(held_out + training, seed=11)
    pools: dict[str, list[Prompt]] = {EVAL_POOL: [], TRAIN_POOL: []}
    for index, (messages, _) in enumerate(examples):
        pool = EVAL_POOL if index < held_out else TRAIN_POOL
        messages = [{**messages[0], "content": f"{messages[0]['content']} ({index})"}, *messages[1:]]
        pools[pool].append(PromptFactory(project=project, messages=messages, metadata={"policy_split": pool}))
    return pools


def imported_answers(prompts: list[Prompt], models: tuple[str, ...] = MODELS) -> None:
    for prompt in prompts:
        for index, model in enumerate(models):
            ResponseFactory(prompt=prompt, text=f"Answer {index + 1} to prompt {prompt.pk}: the weather is mild.", model_name=model,
                            checkpoint=f"/checkpoints/{model}/step-9000")


def vote(annotator, project: Project, *, shown_strength: int, neither_acceptable: bool = False) -> tuple[Item, bool]:
    """The annotator takes the next task and submits `shown_strength` relative to the order shown
    (negative = the response shown first is better). Returns the item and whether it was shown swapped."""
    assignment = assignment_next(annotator=annotator, project=project)
    assert assignment is not None
    item = assignment.item
    data = AnnotationInput(
        preference_strength=shown_strength, neither_acceptable=neither_acceptable,
        attribute_scores=attribute_scores_for(item) if project.is_likert else {},
        justification="Because the first one shown explains more." if abs(shown_strength) >= 2 else "",
    )
    annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=data)
    return item, assignment.swapped
