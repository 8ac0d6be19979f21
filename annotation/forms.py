import json
from typing import Any

from django import forms

from annotation.attributes import validate_attribute_schema
from annotation.models import Project, TaskType

MAX_ATTRIBUTES = 30


class AttributeRowForm(forms.Form):
    """One Likert attribute of a project's schema, as a row of the settings form."""

    name = forms.CharField(max_length=60, required=False)
    description = forms.CharField(max_length=500, required=False)
    min = forms.IntegerField(initial=0, required=False, min_value=-100, max_value=100)
    max = forms.IntegerField(initial=4, required=False, min_value=-100, max_value=100)
    levels = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One line per level, e.g. “0: Not helpful at all”.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("name"):
            return data
        low = data.get("min") if data.get("min") is not None else 0
        high = data.get("max") if data.get("max") is not None else 4
        levels: dict[str, str] = {}
        for number, line in enumerate((data.get("levels") or "").splitlines(), start=1):
            if not line.strip():
                continue
            key, separator, text = line.partition(":")
            if not separator or not key.strip().lstrip("-").isdigit():
                self.add_error("levels", f"line {number}: write “<level>: <description>”, e.g. “{low}: Not helpful at all”")
                continue
            level = int(key.strip())
            if not low <= level <= high:
                self.add_error("levels", f"line {number}: level {level} is outside {low}–{high}")
                continue
            levels[str(level)] = text.strip()
        data["attribute"] = {"name": data["name"].strip(), "description": data.get("description", "").strip(),
                             "min": low, "max": high, "levels": levels}
        return data


AttributeRowFormSet = forms.formset_factory(
    AttributeRowForm, extra=1, can_delete=True, max_num=MAX_ATTRIBUTES, validate_max=True, absolute_max=MAX_ATTRIBUTES + 5
)


def attribute_rows(schema: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The schema as the rows' initial values."""
    return [
        {
            "name": attribute.get("name", ""),
            "description": attribute.get("description", ""),
            "min": attribute.get("min", 0),
            "max": attribute.get("max", 4),
            "levels": "\n".join(f"{key}: {text}" for key, text in (attribute.get("levels") or {}).items()),
        }
        for attribute in schema
        if isinstance(attribute, dict)
    ]


class ProjectForm(forms.ModelForm):
    """A project's settings. The Likert attribute schema is edited as rows (`attribute_rows`, a formset);
    power users may instead tick `schema_as_json` and edit the raw JSON."""

    task_types = forms.MultipleChoiceField(choices=TaskType.choices, widget=forms.CheckboxSelectMultiple)
    attribute_schema = forms.JSONField(
        required=False,
        label="Attribute schema as JSON",
        widget=forms.Textarea(attrs={"rows": 8, "class": "mono"}),
        help_text="JSON list of {name, description, min, max, levels}. Default: HelpSteer's five attributes.",
    )
    schema_as_json = forms.BooleanField(required=False, label="Use this JSON instead of the attribute rows")

    class Meta:
        model = Project
        fields = [
            "name", "slug", "guidelines", "task_types", "attribute_schema", "overlap", "lease_minutes",
            "max_active_leases", "justification_min_strength", "gold_rate", "uncertainty_ordering", "licence",
        ]
        widgets = {"guidelines": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = self.initial.get("attribute_schema") or []
        if isinstance(schema, str):
            schema = json.loads(schema)
        self.original_schema = schema
        self.attribute_rows = AttributeRowFormSet(self.data or None, prefix="attr", initial=attribute_rows(schema))

    @property
    def uses_json(self) -> bool:
        return self.is_bound and self.data.get("schema_as_json") in ("on", "true", "1", "True")

    def is_valid(self) -> bool:
        form_valid = super().is_valid()
        return form_valid and (self.uses_json or self.attribute_rows.is_valid())

    def project_fields(self) -> dict[str, Any]:
        """The cleaned values of the project's own fields (what the services take)."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def clean_attribute_schema(self) -> list:
        if not self.uses_json:
            return self._schema_from_rows()
        schema = self.cleaned_data["attribute_schema"]
        if isinstance(schema, str):
            schema = json.loads(schema)
        if schema is None:
            raise forms.ValidationError("Enter the schema as a JSON list, or untick “use this JSON”.")
        problems = validate_attribute_schema(schema)
        if problems:
            raise forms.ValidationError(problems)
        return schema

    def _schema_from_rows(self) -> list:
        if not self.attribute_rows.is_valid():
            return self.original_schema  # the rows show their own errors; is_valid() is False
        previous = {attribute.get("name"): attribute for attribute in self.original_schema if isinstance(attribute, dict)}
        schema = []
        for row in self.attribute_rows.forms:
            data = row.cleaned_data
            if not data.get("name") or data.get("DELETE"):
                continue
            # Keys the rows do not edit (a power user's additions) survive a save through the rows.
            schema.append({**previous.get(data["name"].strip(), {}), **data["attribute"]})
        problems = validate_attribute_schema(schema)
        if problems:
            raise forms.ValidationError(problems)
        return schema


class AddMemberForm(forms.Form):
    username = forms.CharField()
