"""The configuration of an outcome-simulation job, one dataclass whose field metadata the API and the
launch form read; `hindsight.jobs.simulation_config_clean` adds what needs the project (the model)."""
from dataclasses import dataclass

from hindsight.models import SimulatorKind
from verdict_ml.config import ConfigError, setting
from verdict_ml.outcomes import (
    DEFAULT_NO_CHOICE_TEMPLATE,
    DEFAULT_OUTCOME_TEMPLATE,
    PROMPT_FIELDS,
    TEMPLATE_FIELDS,
    default_prompt_template,
    template_problems,
)

SCOPES = ("missing", "all")


def _fields(names: tuple[str, ...]) -> str:
    return " ".join("{" + name + "}" for name in names)


@dataclass
class OutcomeSimulationConfig:
    simulator: str = setting(
        SimulatorKind.TEMPLATE.value, choices=SimulatorKind.values,
        help="template: deterministic, filled from the scenario's facts; model: a causal LM prompted with the prompt template.",
    )
    model_path: str = setting(
        "", help="Any AutoModelForCausalLM folder or hub id. Empty: the project's bootstrapped tiny policy, else VERDICT_POLICY_MODEL.",
    )
    prompt_template: str = setting(
        default_factory=default_prompt_template,
        help=f"Language-model simulator prompt. Fields: {_fields(PROMPT_FIELDS)}.",
    )
    outcome_template: str = setting(
        DEFAULT_OUTCOME_TEMPLATE,
        help=f"Template simulator, when the user ends up with an option. Fields: {_fields(TEMPLATE_FIELDS)}.",
    )
    no_choice_template: str = setting(
        DEFAULT_NO_CHOICE_TEMPLATE,
        help="Template simulator, when the response leads to no option. Same fields; {outcome} is the facts' no_choice_outcome.",
    )
    scope: str = setting(
        "missing", choices=SCOPES, help="missing: the responses without an outcome; all: a new version for every response.",
    )
    response_ids: list[int] | None = setting(None, help="Only these responses; null: every response in scope.")
    temperature: float = setting(0.7, ge=0, le=5, help="Model simulator's sampling temperature; 0 is greedy.")
    top_p: float = setting(0.95, gt=0, le=1, help="Model simulator's nucleus sampling mass.")
    max_new_tokens: int = setting(80, ge=1, le=1024, help="Model simulator's longest outcome, in tokens.")
    seed: int | None = setting(0, help="Model simulator's sampling seed; empty: unseeded.")
    batch_size: int = setting(8, ge=1, le=256, help="Responses simulated per batch.")
    device: str = setting("auto", help="Model simulator's device: auto, cpu or cuda[:n].")

    def __post_init__(self) -> None:
        """The templates name only the fields their simulator fills in."""
        errors = {}
        for name, allowed in (
            ("prompt_template", PROMPT_FIELDS), ("outcome_template", TEMPLATE_FIELDS), ("no_choice_template", TEMPLATE_FIELDS)
        ):
            problems = template_problems(getattr(self, name), allowed)
            if problems:
                errors[name] = problems[0]
        if not self.prompt_template.strip():
            errors["prompt_template"] = "The simulator prompt template is empty."
        if errors:
            raise ConfigError(errors)
