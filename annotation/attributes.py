"""The default Likert attribute schema: HelpSteer's five attributes, 0–4, with a description per level."""
from typing import Any

HELPSTEER_ATTRIBUTES: list[dict[str, Any]] = [
    {
        "name": "helpfulness",
        "description": "Overall helpfulness of the response to the prompt.",
        "min": 0,
        "max": 4,
        "levels": {
            "0": "Not helpful at all; ignores or fails the request.",
            "1": "Slightly helpful; mostly misses what the user wanted.",
            "2": "Partially helpful; useful but with notable gaps.",
            "3": "Mostly helpful; addresses the request with minor gaps.",
            "4": "Perfectly helpful; fully addresses the request.",
        },
    },
    {
        "name": "correctness",
        "description": "Inclusion of all pertinent facts without errors.",
        "min": 0,
        "max": 4,
        "levels": {
            "0": "Completely incorrect.",
            "1": "Mostly incorrect.",
            "2": "Partially correct.",
            "3": "Mostly correct.",
            "4": "Completely correct.",
        },
    },
    {
        "name": "coherence",
        "description": "Consistency and clarity of expression.",
        "min": 0,
        "max": 4,
        "levels": {
            "0": "Incoherent.",
            "1": "Mostly incoherent.",
            "2": "Somewhat coherent.",
            "3": "Mostly coherent and clear.",
            "4": "Perfectly coherent and clear.",
        },
    },
    {
        "name": "complexity",
        "description": "Intellectual depth required to write the response.",
        "min": 0,
        "max": 4,
        "levels": {
            "0": "Basic language anyone could write.",
            "1": "Simple language.",
            "2": "Intermediate language, some education needed.",
            "3": "Advanced language, college-level.",
            "4": "Expert language, domain expertise needed.",
        },
    },
    {
        "name": "verbosity",
        "description": "Amount of detail relative to what the prompt asks for.",
        "min": 0,
        "max": 4,
        "levels": {
            "0": "Succinct.",
            "1": "Pretty short.",
            "2": "Average length.",
            "3": "Moderately long.",
            "4": "Verbose.",
        },
    },
]

ATTRIBUTE_NAMES = [attribute["name"] for attribute in HELPSTEER_ATTRIBUTES]


def default_attribute_schema() -> list[dict[str, Any]]:
    """A fresh copy, so a project editing its schema never mutates the module constant."""
    return [dict(attribute, levels=dict(attribute["levels"])) for attribute in HELPSTEER_ATTRIBUTES]


def validate_attribute_schema(schema: Any) -> list[str]:
    """Return a list of problems with a project's attribute schema (empty when valid)."""
    problems: list[str] = []
    if not isinstance(schema, list):
        return ["attribute schema must be a list of attributes"]
    seen: set[str] = set()
    for index, attribute in enumerate(schema):
        where = f"attribute {index + 1}"
        if not isinstance(attribute, dict):
            problems.append(f"{where}: must be an object")
            continue
        name = attribute.get("name")
        if not isinstance(name, str) or not name.isidentifier():
            problems.append(f"{where}: 'name' must be an identifier such as 'helpfulness'")
        elif name in seen:
            problems.append(f"{where}: duplicate name '{name}'")
        else:
            seen.add(name)
        low, high = attribute.get("min", 0), attribute.get("max", 4)
        if not (isinstance(low, int) and isinstance(high, int) and low < high):
            problems.append(f"{where}: 'min' and 'max' must be integers with min < max")
    return problems
