import json

from django import forms

from annotation.attributes import validate_attribute_schema
from annotation.models import Project, TaskType


class ProjectForm(forms.ModelForm):
    task_types = forms.MultipleChoiceField(choices=TaskType.choices, widget=forms.CheckboxSelectMultiple)
    attribute_schema = forms.JSONField(
        widget=forms.Textarea(attrs={"rows": 8, "class": "mono"}),
        help_text="JSON list of {name, description, min, max, levels}. Default: HelpSteer's five attributes.",
    )

    class Meta:
        model = Project
        fields = [
            "name", "slug", "guidelines", "task_types", "attribute_schema", "overlap", "lease_minutes",
            "max_active_leases", "justification_min_strength", "gold_rate", "uncertainty_ordering", "licence",
        ]
        widgets = {"guidelines": forms.Textarea(attrs={"rows": 8})}

    def clean_attribute_schema(self) -> list:
        schema = self.cleaned_data["attribute_schema"]
        if isinstance(schema, str):
            schema = json.loads(schema)
        problems = validate_attribute_schema(schema)
        if problems:
            raise forms.ValidationError(problems)
        return schema


class AddMemberForm(forms.Form):
    username = forms.CharField()
