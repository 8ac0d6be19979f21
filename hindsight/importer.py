"""Scenario import for hindsight projects: JSONL, one scenario per line, all or nothing.

A line:
    {"id": "laptop-1",                                   optional, kept as the scenario's external id
     "messages": [{"role": "user", "content": "…"}, …],  or "prompt": "…" (one user turn)
     "hidden_context": "…",                              optional: seen by the simulator, and by the
                                                          annotator only after the reveal
     "facts": {"goal": "…", "options": [{"name": "Option B", "aliases": ["B"], "price": "$40",
               "outcome": "It has no backlight, which you needed."}], "no_choice_outcome": "…"},
                                                          optional, for the template simulator
     "responses": ["…", {"text": "…", "model_name": "…", "checkpoint": "…", "round": 2,
                          "choice": "Option B"}]}        one or more; `choice` = the option the user
                                                          ends up with when acting on this response
Items: "single" makes one item per response, "pairs" one per pair of responses of a scenario.
Re-importing a file adds nothing: prompts, responses and items are found by content.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.db import transaction

from annotation.models import Project, TaskType
from annotation.services import item_get_or_create, prompt_get_or_create, response_get_or_create
from hindsight.models import Scenario

LAYOUTS = ("single", "pairs")
ROLES = ("system", "user", "assistant")
CHOICE_KEY = "hindsight_choice"  # Response.metadata key: the option a user acting on it ends up with
LINE_KEYS = {"id", "messages", "prompt", "hidden_context", "facts", "responses"}
RESPONSE_KEYS = {"text", "model_name", "checkpoint", "round", "choice"}


class ScenarioImportError(Exception):
    """Nothing was imported; `errors` lists {file, line, field, message} for every problem found."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['file']}:{e['line']}: {e['field']}: {e['message']}" for e in errors[:5]))


@dataclass
class ParsedScenario:
    line: int
    external_id: str
    messages: list[dict[str, str]]
    hidden_context: str
    facts: dict[str, Any]
    responses: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ImportSummary:
    lines: int = 0
    scenarios_created: int = 0
    responses_created: int = 0
    items_created: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _messages(data: dict[str, Any], problem: Any) -> list[dict[str, str]]:
    if "messages" in data:
        messages = data["messages"]
        if not isinstance(messages, list) or not messages:
            problem("messages", "must be a non-empty list of {role, content}")
            return []
        for index, message in enumerate(messages):
            if not isinstance(message, dict) or set(message) - {"role", "content"}:
                problem(f"messages[{index}]", "must be an object with only role and content")
            elif message.get("role") not in ROLES:
                problem(f"messages[{index}].role", f"must be one of {', '.join(ROLES)}")
            elif not isinstance(message.get("content"), str) or not message["content"].strip():
                problem(f"messages[{index}].content", "must be non-empty text")
        if isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant":
            problem("messages", "must end before the assistant's reply (the responses are the reply)")
        return [{"role": m["role"], "content": m["content"]} for m in messages if isinstance(m, dict) and "role" in m and "content" in m]
    prompt = data.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        problem("messages", "give `messages` (a list of turns) or `prompt` (text)")
        return []
    return [{"role": "user", "content": prompt}]


def _facts(data: dict[str, Any], problem: Any) -> dict[str, Any]:
    facts = data.get("facts", {})
    if not isinstance(facts, dict):
        problem("facts", "must be an object")
        return {}
    for key in ("goal", "no_choice_outcome"):
        if key in facts and not isinstance(facts[key], str):
            problem(f"facts.{key}", "must be text")
    options = facts.get("options", [])
    if not isinstance(options, list):
        problem("facts.options", "must be a list")
        return facts
    for index, option in enumerate(options):
        where = f"facts.options[{index}]"
        if not isinstance(option, dict) or not isinstance(option.get("name"), str) or not option["name"].strip():
            problem(f"{where}.name", "every option needs a name")
            continue
        if not isinstance(option.get("aliases", []), list) or not all(isinstance(a, str) for a in option.get("aliases", [])):
            problem(f"{where}.aliases", "must be a list of text")
        if not isinstance(option.get("price", ""), (str, int, float)):
            problem(f"{where}.price", "must be text or a number")
        if not isinstance(option.get("outcome", ""), str):
            problem(f"{where}.outcome", "must be text")
    return facts


def _responses(data: dict[str, Any], facts: dict[str, Any], problem: Any) -> list[dict[str, Any]]:
    raw = data.get("responses")
    if not isinstance(raw, list) or not raw:
        problem("responses", "must be a non-empty list")
        return []
    names = {n.lower() for o in facts.get("options", []) if isinstance(o, dict) and isinstance(o.get("name"), str)
             for n in [o["name"], *[a for a in o.get("aliases", []) if isinstance(a, str)]]}
    parsed = []
    for index, entry in enumerate(raw):
        where = f"responses[{index}]"
        entry = {"text": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, dict):
            problem(where, "must be text or an object with `text`")
            continue
        unknown = set(entry) - RESPONSE_KEYS
        if unknown:
            problem(f"{where}.{sorted(unknown)[0]}", f"unknown field; allowed: {', '.join(sorted(RESPONSE_KEYS))}")
        if not isinstance(entry.get("text"), str) or not entry["text"].strip():
            problem(f"{where}.text", "must be non-empty text")
            continue
        for key in ("model_name", "checkpoint"):
            if not isinstance(entry.get(key, ""), str):
                problem(f"{where}.{key}", "must be text")
        if entry.get("round") is not None and (not isinstance(entry["round"], int) or isinstance(entry["round"], bool) or entry["round"] < 0):
            problem(f"{where}.round", "must be a whole number ≥ 0")
        choice = entry.get("choice")
        if choice is not None and (not isinstance(choice, str) or choice.strip().lower() not in names):
            problem(f"{where}.choice", "must name one of the scenario's facts.options")
        parsed.append(entry)
    texts = [entry["text"] for entry in parsed if isinstance(entry.get("text"), str)]
    if len(set(texts)) != len(texts):
        problem("responses", "the same response text appears twice")
    return parsed


def parse_scenarios(lines: Iterable[str | bytes], *, file_name: str, layout: str) -> list[ParsedScenario]:
    """Every scenario of the file, or ScenarioImportError listing all problems."""
    errors: list[dict[str, Any]] = []
    scenarios: list[ParsedScenario] = []
    seen_ids: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        def problem(name: str, message: str, number: int = number) -> None:
            errors.append({"file": file_name, "line": number, "field": name, "message": message})

        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            problem("(line)", "not UTF-8 text")
            continue
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            problem("(line)", f"not valid JSON: {error.msg} at column {error.colno}")
            continue
        if not isinstance(data, dict):
            problem("(line)", "must be a JSON object")
            continue
        for key in sorted(set(data) - LINE_KEYS):
            problem(key, f"unknown field; allowed: {', '.join(sorted(LINE_KEYS))}")
        external_id = data.get("id", "")
        if not isinstance(external_id, (str, int)) or isinstance(external_id, bool):
            problem("id", "must be text or a number")
            external_id = ""
        external_id = str(external_id)
        if external_id and external_id in seen_ids:
            problem("id", f"repeats the id of line {seen_ids[external_id]}")
        seen_ids.setdefault(external_id, number)
        hidden = data.get("hidden_context", "")
        if not isinstance(hidden, str):
            problem("hidden_context", "must be text")
            hidden = ""
        messages = _messages(data, problem)
        facts = _facts(data, problem)
        responses = _responses(data, facts, problem)
        if layout == "pairs" and len(responses) < 2:
            problem("responses", "the pairs layout needs at least two responses per scenario")
        scenarios.append(ParsedScenario(number, external_id, messages, hidden, facts, responses))
    if not scenarios and not errors:
        errors.append({"file": file_name, "line": 0, "field": "(file)", "message": "the file holds no scenarios"})
    if errors:
        raise ScenarioImportError(errors)
    return scenarios


def default_layout(project: Project) -> str:
    return "pairs" if project.is_pairwise else "single"


def scenarios_import(
    *, project: Project, lines: Iterable[str | bytes], file_name: str, layout: str | None = None
) -> ImportSummary:
    """Validate the whole file, then write it in one transaction (all or nothing)."""
    if TaskType.HINDSIGHT not in project.task_types:
        raise ScenarioImportError([{"file": file_name, "line": 0, "field": "(project)",
                                    "message": f"project {project.slug} is not a hindsight project (task types lack 'hindsight')"}])
    layout = layout or default_layout(project)
    if layout not in LAYOUTS:
        raise ScenarioImportError([{"file": file_name, "line": 0, "field": "layout", "message": f"must be one of {', '.join(LAYOUTS)}"}])
    parsed = parse_scenarios(lines, file_name=file_name, layout=layout)
    summary = ImportSummary(lines=len(parsed))
    errors: list[dict[str, Any]] = []
    with transaction.atomic():
        for scenario in parsed:
            prompt, _ = prompt_get_or_create(project=project, messages=scenario.messages)
            existing = Scenario.objects.filter(prompt=prompt).first()
            if existing is None:
                Scenario.objects.create(
                    project=project, prompt=prompt, external_id=scenario.external_id,
                    hidden_context=scenario.hidden_context, facts=scenario.facts,
                )
                summary.scenarios_created += 1
            elif (existing.hidden_context, existing.facts) != (scenario.hidden_context, scenario.facts):
                errors.append({"file": file_name, "line": scenario.line, "field": "hidden_context",
                               "message": f"this conversation was imported before (scenario {existing}) with other hidden context or facts"})
                continue
            responses = []
            for entry in scenario.responses:
                provenance = {key: entry[key] for key in ("model_name", "checkpoint", "round") if entry.get(key) is not None}
                if entry.get("choice"):
                    provenance["metadata"] = {CHOICE_KEY: entry["choice"].strip()}
                response, created = response_get_or_create(prompt=prompt, text=entry["text"], **provenance)
                summary.responses_created += created
                responses.append(response)
            groups = [(r, None) for r in responses] if layout == "single" else list(combinations(responses, 2))
            for first, second in groups:
                _, created = item_get_or_create(project=project, prompt=prompt, response_1=first, response_2=second)
                summary.items_created += created
        if errors:
            raise ScenarioImportError(errors)
    return summary
