"""Job configs (dataclasses of `verdict_ml.config.setting` fields) on the Django side: their errors as
a ValidationError keyed by setting, and form fields whose help text, choices and bounds come from the
dataclass, so a launch form lists no setting's rules of its own: the form shapes input, the config
checks it."""
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError

from verdict_ml.config import ConfigError, config_from_dict, config_settings

T = TypeVar("T")


class ConfigErrorsMixin:
    """For a launch form: a service's ValidationError shown on the fields it names, the rest above the form."""

    def add_config_errors(self, error: ValidationError) -> None:
        for name, problems in error.message_dict.items():
            self.add_error(name if name in self.fields else None, problems)  # type: ignore[attr-defined]


def config_validation_error(error: ConfigError) -> ValidationError:
    return ValidationError(dict(error.errors))


def config_clean(cls: type[T], raw: Any, *, exclude: Iterable[str] = ()) -> T:
    """`config_from_dict`, raising ValidationError({setting: message}) for the API's 400 and the forms."""
    try:
        return config_from_dict(cls, raw, exclude=exclude)
    except ConfigError as error:
        raise config_validation_error(error) from error


def config_field(cls: type, name: str, *, choice_labels: Mapping[Any, str] | None = None, **overrides: Any) -> forms.Field:
    """A form field for one setting: help text, choices (shown with `choice_labels` where given) and the
    input's min / max from the dataclass; `overrides` (label, widget, max_length, …) go to the field."""
    spec = config_settings(cls)[name]
    options: dict[str, Any] = {"help_text": spec.help, "required": not spec.nullable}
    if spec.kind is bool:
        options["required"] = False
        field_class: type[forms.Field] = forms.BooleanField
    elif spec.choices is not None:
        labels = choice_labels or {}
        options["choices"] = [(choice, labels.get(choice, choice)) for choice in spec.choices]
        field_class = forms.ChoiceField
    elif spec.kind in (int, float):
        # The bounds become the input's min / max for the browser; the server checks them once, in the
        # config, so that a value out of range gets the config's message whichever way it arrives.
        # (An exclusive bound of a float has no HTML form.)
        low = spec.ge if spec.ge is not None else (spec.gt + 1 if spec.gt is not None and spec.kind is int else None)
        high = spec.le if spec.le is not None else (spec.lt - 1 if spec.lt is not None and spec.kind is int else None)
        attrs = {attr: bound for attr, bound in (("min", low), ("max", high)) if bound is not None}
        options["widget"] = forms.NumberInput(attrs=attrs)
        field_class = forms.IntegerField if spec.kind is int else forms.FloatField
    elif spec.kind is str:
        options["required"] = options["required"] and spec.default != ""
        field_class = forms.CharField
    else:
        raise TypeError(f"{cls.__name__}.{name}: no form field for a {spec.kind.__name__} setting")
    return field_class(**{**options, **overrides})
