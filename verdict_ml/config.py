"""Settings declared once, as dataclass fields (TRL's `trl/trainer/*_config.py` style).

A config is a plain dataclass whose fields are made with `setting(...)`: the default, a help text, and
optionally the allowed choices and numeric bounds. That metadata is the only list of a job's settings:

- `config_from_dict(cls, raw)` checks a JSON object against it (the web API, forms and commands all
  go through it) and returns an instance;
- `add_arguments(parser, cls)` turns the fields into argparse options;
- `config_settings(cls)` describes each field, for whoever builds other interfaces (the Django app's
  form fields, in `jobs.configs`).

The JSON types come from the field annotations: `bool`, `int`, `float` (an int is accepted), `str`,
`list[...]` of int, float or str, and `X | None` (null accepted). A bool is never taken for a number. Rules that
involve several settings, or that no bound expresses, go in the dataclass's `__post_init__`, raising
`ConfigError`; `config_from_dict` only constructs the instance once every field passed on its own.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import functools
import math
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

_SCALARS: dict[type, tuple[type, ...]] = {bool: (bool,), int: (int,), float: (int, float), str: (str,)}
_SHOWN_CHARS = 80
MAX_SEED = 2**31 - 1
"""The largest seed a setting takes: numpy (and so accelerate's set_seed) needs seeds below 2³², and runs
add small offsets (ensemble member, round) to the one given."""


class ConfigError(ValueError):
    """Every bad setting at once. `errors` maps a setting to a message meant to be shown beside it
    ("Must be at least 1."); `sentences` maps it to one that names it and the value it got ("epochs
    must be a positive integer, got 0"), which is what `str()` joins."""

    def __init__(self, errors: Mapping[str, str], sentences: Mapping[str, str] | None = None) -> None:
        self.errors = dict(errors)
        given = dict(sentences or {})
        self.sentences = {name: given.get(name) or f"{name}: {message}" for name, message in self.errors.items()}
        super().__init__("; ".join(self.sentences.values()))


def setting(
    default: Any = dataclasses.MISSING,
    *,
    help: str,  # noqa: A002 (argparse's and TRL's name for it)
    choices: Iterable[Any] | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    default_factory: Callable[[], Any] | None = None,
) -> Any:
    """A dataclass field carrying its help text, choices and bounds. A list default is copied per instance."""
    metadata: dict[str, Any] = {"help": help}
    if choices is not None:
        metadata["choices"] = tuple(choices)
    for name, bound in (("ge", ge), ("gt", gt), ("le", le), ("lt", lt)):
        if bound is not None:
            metadata[name] = bound
    if default_factory is None and isinstance(default, list | dict | set):
        default_factory = functools.partial(copy.deepcopy, default)
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Setting:
    """One field of a config, as its metadata and annotation describe it."""

    name: str
    default: Any
    help: str
    kind: type  # bool, int, float, str or list
    item: type | None  # the element type of a list
    nullable: bool
    choices: tuple[Any, ...] | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None

    @property
    def expected(self) -> str:
        """The accepted JSON types, in words ("int or float", "a list of str or null")."""
        if self.kind is list:
            words = f"a list of {self.item.__name__}"
        else:
            words = " or ".join(t.__name__ for t in _SCALARS[self.kind])
        return f"{words} or null" if self.nullable else words

    @property
    def demand(self) -> str | None:
        """What a value of the right type must also be ("from 2 to 64", "one of a, b"), or None."""
        if self.choices is not None:
            return "one of " + ", ".join(str(choice) for choice in self.choices)
        if self.ge is not None and self.le is not None:
            return f"from {self.ge} to {self.le}"
        parts = []
        if self.ge is not None:
            unbounded_count = self.kind is int and self.ge == 1 and self.lt is None
            parts.append("a positive integer" if unbounded_count else f"at least {self.ge}")
        elif self.gt is not None:
            parts.append(f"more than {self.gt}")
        if self.le is not None:
            parts.append(f"at most {self.le}")
        elif self.lt is not None:
            parts.append(f"less than {self.lt}")
        return " and ".join(parts) or None

    def problem(self, value: Any) -> tuple[str, str] | None:
        """(message, sentence) when `value` is not acceptable, else None."""
        if not self._has_type(value):
            shown = _shown(value)
            return f"Expected {self.expected}, got {shown}.", f"{self.name}: expected {self.expected}, got {shown}"
        if value is None or self.demand is None or self._meets_demand(value):
            return None
        return f"Must be {self.demand}.", f"{self.name} must be {self.demand}, got {_shown(value)}"

    def _has_type(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        if self.kind is list:
            return isinstance(value, list) and all(_is(item, self.item) for item in value)
        return _is(value, self.kind)

    def _meets_demand(self, value: Any) -> bool:
        if self.choices is not None:
            return value in self.choices
        return (
            (self.ge is None or value >= self.ge) and (self.gt is None or value > self.gt)
            and (self.le is None or value <= self.le) and (self.lt is None or value < self.lt)
        )


def _is(value: Any, kind: type) -> bool:
    """Of the setting's type; a float also finite (JSON parsers read 1e999 as inf, which no column stores)."""
    if not isinstance(value, _SCALARS[kind]) or (kind is not bool and isinstance(value, bool)):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def _shown(value: Any) -> str:
    """The value as it appears in a message, cut short: the value may be a whole prompt template."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _kind_of(annotation: Any, where: str) -> tuple[type, type | None, bool]:
    """(kind, list item type, nullable) of a field annotation."""
    nullable = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        nullable = len(members) < len(typing.get_args(annotation))
        if len(members) != 1:
            raise TypeError(f"{where}: a setting has one type (optionally | None), not {annotation}")
        annotation = members[0]
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if item not in (int, float, str):
            raise TypeError(f"{where}: list items must be int, float or str, not {item}")
        return list, item, nullable
    if annotation not in _SCALARS:
        raise TypeError(f"{where}: unsupported setting type {annotation}")
    return annotation, None, nullable


def config_settings(cls: type, *, exclude: Iterable[str] = ()) -> dict[str, Setting]:
    """The settings of a config dataclass, in declaration order (`exclude`d ones left out)."""
    hints = typing.get_type_hints(cls)
    left_out = set(exclude)
    settings = {}
    for field in dataclasses.fields(cls):
        if field.name in left_out or not field.init:
            continue
        kind, item, nullable = _kind_of(hints[field.name], f"{cls.__name__}.{field.name}")
        meta = field.metadata
        default = field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default
        settings[field.name] = Setting(
            name=field.name, default=default, help=meta.get("help", ""), kind=kind, item=item, nullable=nullable,
            choices=meta.get("choices"), ge=meta.get("ge"), gt=meta.get("gt"), le=meta.get("le"), lt=meta.get("lt"),
        )
    return settings


def _check(settings: Mapping[str, Setting], values: Mapping[str, Any]) -> None:
    errors, sentences = {}, {}
    for name, spec in settings.items():
        problem = spec.problem(values[name])
        if problem is not None:
            errors[name], sentences[name] = problem
    if errors:
        raise ConfigError(errors, sentences)


def config_from_dict(cls: type[T], raw: Any, *, exclude: Iterable[str] = ()) -> T:
    """An instance of `cls` from a JSON object: missing settings take their defaults; unknown ones are
    refused first, on their own (a misspelt name is the mistake to fix, whatever else is wrong), then
    every setting's type, choices and bounds are checked and all problems raised together.
    `exclude`d fields may not be set; they keep their defaults."""
    if not isinstance(raw, Mapping):
        raise ConfigError({"config": "The configuration must be a JSON object."})
    settings = config_settings(cls, exclude=exclude)
    unknown = [str(name) for name in raw if name not in settings]
    if unknown:
        allowed = ", ".join(settings)
        raise ConfigError(
            {name: f"Unknown setting; allowed: {allowed}." for name in unknown},
            {name: f"unknown setting {name!r}; allowed: {allowed}" for name in unknown},
        )
    values = {name: copy.deepcopy(raw[name]) if name in raw else spec.default for name, spec in settings.items()}
    _check(settings, values)
    return cls(**values)


def config_check(config: Any, *, exclude: Iterable[str] = ()) -> None:
    """Raise ConfigError if a field of an existing config breaks its own metadata (for `__post_init__`)."""
    settings = config_settings(type(config), exclude=exclude)
    _check(settings, {name: getattr(config, name) for name in settings})


def config_to_dict(config: Any, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The settings as a JSON object (what a job stores), `exclude`d fields left out."""
    return {name: copy.deepcopy(getattr(config, name)) for name in config_settings(type(config), exclude=exclude)}


def config_defaults(cls: type, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Every setting with its default value."""
    return {name: spec.default for name, spec in config_settings(cls, exclude=exclude).items()}


def add_arguments(
    parser: argparse.ArgumentParser, cls: type, *, only: Iterable[str] | None = None, exclude: Iterable[str] = ()
) -> dict[str, argparse.Action]:
    """One `--name-with-dashes` option per setting (`only` those, if given), keyed by the setting's
    name. Options default to None, meaning "not given": the caller passes on only the given ones, so
    the config's own defaults apply. Booleans get `--flag/--no-flag`, lists take one or more values."""
    settings = config_settings(cls, exclude=exclude)
    names = list(settings) if only is None else list(only)
    actions = {}
    for name in names:
        spec = settings[name]
        text = spec.help + (f" (default: {_default_words(spec.default)})" if spec.default not in (None, "") else "")
        options: dict[str, Any] = {"dest": name, "default": None, "help": text.replace("%", "%%")}
        if spec.kind is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif spec.kind is list:
            options.update(nargs="+", type=spec.item, metavar=name.upper())
        else:
            options.update(type=spec.kind, choices=spec.choices)
        actions[name] = parser.add_argument("--" + name.replace("_", "-"), **options)
    return actions


def _default_words(value: Any) -> str:
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)
