"""The settings helper: one dataclass is the source of checks, defaults and command-line options."""
import argparse
from dataclasses import dataclass

import pytest

from verdict_ml.config import (
    ConfigError,
    add_arguments,
    config_check,
    config_defaults,
    config_from_dict,
    config_settings,
    config_to_dict,
    setting,
)


@dataclass
class Example:
    mode: str = setting("fast", help="How to run.", choices=("fast", "careful"))
    rounds: int = setting(1, help="How many rounds.", ge=1)
    samples: int = setting(4, help="Samples per prompt.", ge=2, le=64)
    fraction: float = setting(0.25, help="Share sent to people; 100% is all.", gt=0, le=1)
    dropout: float = setting(0.0, help="Dropout.", ge=0, lt=1)
    gap: float | None = setting(None, help="Minimum gap; null: none.", ge=0)
    lora: bool = setting(True, help="Train adapters.")
    names: list[str] = setting(["sigmoid"], help="Loss names.")
    path: str = setting("", help="A folder.")


def errors_of(raw):
    with pytest.raises(ConfigError) as caught:
        config_from_dict(Example, raw)
    return caught.value


def test_missing_settings_take_their_defaults_and_list_defaults_are_not_shared():
    first, second = config_from_dict(Example, {}), config_from_dict(Example, {"rounds": 3})

    assert first == Example() and second.rounds == 3 and second.mode == "fast"
    first.names.append("hinge")
    assert second.names == ["sigmoid"] and Example().names == ["sigmoid"]
    assert config_defaults(Example)["names"] == ["sigmoid"] and config_to_dict(second)["rounds"] == 3


def test_a_given_list_is_copied_not_aliased():
    raw = {"names": ["ipo"]}
    config = config_from_dict(Example, raw)
    raw["names"].append("hinge")
    assert config.names == ["ipo"]


def test_unknown_settings_are_refused_alone_naming_the_allowed_ones():
    error = errors_of({"colour": "red", "rounds": 0})

    assert set(error.errors) == {"colour"}
    assert error.errors["colour"].startswith("Unknown setting; allowed: mode, rounds, samples,")


def test_a_bool_is_not_a_number_but_an_int_is_a_float():
    assert config_from_dict(Example, {"fraction": 1}).fraction == 1
    error = errors_of({"rounds": True, "fraction": False, "lora": 1, "mode": 3})

    assert error.errors == {
        "rounds": "Expected int, got True.",
        "fraction": "Expected int or float, got False.",
        "lora": "Expected bool, got 1.",
        "mode": "Expected str, got 3.",
    }
    assert errors_of({"rounds": 2.0}).errors == {"rounds": "Expected int, got 2.0."}


def test_list_items_are_checked():
    assert errors_of({"names": ["ipo", 3]}).errors == {"names": "Expected a list of str, got ['ipo', 3]."}
    assert errors_of({"names": "ipo"}).errors == {"names": "Expected a list of str, got 'ipo'."}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"rounds": 0}, "Must be a positive integer."),
        ({"samples": 1}, "Must be from 2 to 64."),
        ({"samples": 65}, "Must be from 2 to 64."),
        ({"fraction": 0}, "Must be more than 0 and at most 1."),
        ({"fraction": 1.5}, "Must be more than 0 and at most 1."),
        ({"dropout": 1}, "Must be at least 0 and less than 1."),
        ({"gap": -0.5}, "Must be at least 0."),
    ],
)
def test_bounds_are_checked_inclusive_or_exclusive_as_declared(raw, message):
    ((name, value),) = raw.items()
    assert errors_of(raw).errors == {name: message}


def test_bound_edges_are_accepted():
    config = config_from_dict(Example, {"samples": 64, "fraction": 1, "dropout": 0, "gap": 0, "rounds": 1})
    assert (config.samples, config.fraction, config.dropout, config.gap) == (64, 1, 0, 0)


def test_choices_are_checked():
    error = errors_of({"mode": "slow"})
    assert error.errors == {"mode": "Must be one of fast, careful."}
    assert error.sentences == {"mode": "mode must be one of fast, careful, got 'slow'"}


def test_null_is_accepted_only_where_the_annotation_allows_it():
    assert config_from_dict(Example, {"gap": None}).gap is None
    error = errors_of({"rounds": None, "path": None})
    assert error.errors == {"rounds": "Expected int, got None.", "path": "Expected str, got None."}


def test_every_bad_setting_is_reported_at_once_and_named_in_the_message():
    error = errors_of({"rounds": 0, "samples": 1, "mode": "slow", "lora": "yes"})

    assert set(error.errors) == {"rounds", "samples", "mode", "lora"}
    assert isinstance(error, ValueError)
    assert "rounds must be a positive integer, got 0" in str(error)
    assert "samples must be from 2 to 64, got 1" in str(error) and "lora: expected bool, got 'yes'" in str(error)


def test_a_long_value_is_cut_short_in_messages():
    error = errors_of({"rounds": "x" * 10_000})
    assert len(error.errors["rounds"]) < 120 and error.errors["rounds"].endswith("….")


def test_a_non_object_is_refused():
    assert errors_of(["rounds"]).errors == {"config": "The configuration must be a JSON object."}


def test_excluded_fields_cannot_be_set_and_keep_their_defaults():
    with pytest.raises(ConfigError) as caught:
        config_from_dict(Example, {"path": "/x"}, exclude=("path",))
    assert "path" in caught.value.errors and "path" not in caught.value.errors["path"].split("allowed:")[1]
    config = config_from_dict(Example, {}, exclude=("path",))
    assert config.path == "" and "path" not in config_to_dict(config, exclude=("path",))


def test_an_existing_instance_is_checked_against_its_metadata():
    config_check(Example())
    with pytest.raises(ConfigError, match="samples must be from 2 to 64, got 100"):
        config_check(Example(samples=100))


def test_post_init_rules_run_after_the_fields_pass():
    @dataclass
    class Pair:
        low: int = setting(0, help="Low.", ge=0)
        high: int = setting(1, help="High.", ge=0)

        def __post_init__(self) -> None:
            if self.high <= self.low:
                raise ConfigError({"high": "Must be more than low."})

    assert errors_of_pair(Pair, {"low": -1, "high": -2}) == {"low": "Must be at least 0.", "high": "Must be at least 0."}
    assert errors_of_pair(Pair, {"low": 3, "high": 2}) == {"high": "Must be more than low."}


def errors_of_pair(cls, raw):
    with pytest.raises(ConfigError) as caught:
        config_from_dict(cls, raw)
    return caught.value.errors


def test_unsupported_annotations_are_a_programming_error():
    @dataclass
    class Odd:
        mapping: dict[str, int] = setting({}, help="Not a setting type.")

    with pytest.raises(TypeError, match="Odd.mapping"):
        config_settings(Odd)


def parser_for(**kwargs):
    parser = argparse.ArgumentParser(exit_on_error=False)
    actions = add_arguments(parser, Example, **kwargs)
    return parser, actions


def test_arguments_are_options_that_default_to_not_given():
    parser, actions = parser_for()

    assert list(actions) == ["mode", "rounds", "samples", "fraction", "dropout", "gap", "lora", "names", "path"]
    given = vars(parser.parse_args([]))
    assert set(given.values()) == {None}
    parsed = vars(parser.parse_args(["--rounds", "3", "--fraction", "0.5", "--mode", "careful", "--names", "ipo", "hinge"]))
    assert (parsed["rounds"], parsed["fraction"], parsed["mode"], parsed["names"]) == (3, 0.5, "careful", ["ipo", "hinge"])


def test_booleans_get_a_flag_and_a_no_flag():
    parser, _ = parser_for()
    assert parser.parse_args(["--lora"]).lora is True
    assert parser.parse_args(["--no-lora"]).lora is False
    assert parser.parse_args([]).lora is None


def test_choices_and_types_are_enforced_by_the_parser():
    parser, _ = parser_for()
    with pytest.raises(argparse.ArgumentError, match="invalid choice"):
        parser.parse_args(["--mode", "slow"])
    with pytest.raises(argparse.ArgumentError, match="invalid int value"):
        parser.parse_args(["--rounds", "many"])


def test_help_comes_from_the_metadata_with_the_default():
    parser, actions = parser_for(only=("samples", "fraction", "path"))

    assert list(actions) == ["samples", "fraction", "path"]
    assert actions["samples"].option_strings == ["--samples"] and actions["samples"].help == "Samples per prompt. (default: 4)"
    assert actions["path"].help == "A folder."
    assert "Share sent to people; 100% is all. (default: 0.25)" in parser.format_help().replace("\n", " ").replace("  ", " ")
