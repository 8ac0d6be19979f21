"""The hindsight models, moved from the annotation app with their tables (`annotation_scenario`, …)."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ('scenario', 'simulatedoutcome', 'hindsightjudgement')


def relabel_content_types(apps, schema_editor) -> None:  # noqa: ANN001
    """Keep admin log entries and permissions attached: the moved models' content types change app."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label="hindsight", model=model).exists():
            content_type.objects.filter(app_label="annotation", model=model).update(app_label="hindsight")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('annotation', '0004_hindsight_models_move_to_hindsight_app'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's model state moves.
            state_operations=[
                migrations.CreateModel(
                    name='Scenario',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('external_id', models.CharField(blank=True, help_text='The `id` of the imported line, if any.', max_length=200)),
                        ('hidden_context', models.TextField(blank=True, help_text="The user's real goal and facts about the options; hidden from policy and annotator.")),
                        ('facts', models.JSONField(blank=True, default=dict, help_text='Structured facts for the template simulator: {"goal", "options": [{"name", "aliases", "price", "outcome"}], "no_choice_outcome"}.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='scenarios', to='annotation.project')),
                        ('prompt', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='scenario', to='annotation.prompt')),
                    ],
                    options={
                        'db_table': 'annotation_scenario',
                    },
                ),
                migrations.CreateModel(
                    name='SimulatedOutcome',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField()),
                        ('text', models.TextField(blank=True)),
                        ('simulator', models.CharField(choices=[('template', 'Deterministic template'), ('model', 'Causal language model')], max_length=20)),
                        ('model_path', models.CharField(blank=True, max_length=1000)),
                        ('template_text', models.TextField(help_text='The outcome template or the simulator prompt template used.')),
                        ('template_hash', models.CharField(max_length=64)),
                        ('simulator_input', models.TextField(blank=True, help_text='The exact prompt the language model was given.')),
                        ('generation_params', models.JSONField(blank=True, default=dict)),
                        ('job_id', models.PositiveBigIntegerField(blank=True, help_text='The training job that made it, if any.', null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('response', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='simulated_outcomes', to='annotation.response')),
                    ],
                    options={
                        'db_table': 'annotation_simulatedoutcome',
                        'ordering': ['response', '-version'],
                    },
                ),
                migrations.CreateModel(
                    name='HindsightJudgement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('foresight_rating', models.SmallIntegerField(validators=[django.core.validators.MinValueValidator(-3), django.core.validators.MaxValueValidator(5)])),
                        ('foresight_at', models.DateTimeField()),
                        ('revealed_at', models.DateTimeField(blank=True, null=True)),
                        ('hindsight_rating', models.SmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(-3), django.core.validators.MaxValueValidator(5)])),
                        ('hindsight_at', models.DateTimeField(blank=True, null=True)),
                        ('justification', models.TextField(blank=True)),
                        ('keep', models.BooleanField(blank=True, help_text='Keep (true) or return (false) what the user got; for pairs, the response preferred in foresight.', null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('annotation', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='hindsight', to='annotation.annotation')),
                        ('annotator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='hindsight_judgements', to=settings.AUTH_USER_MODEL)),
                        ('assignment', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='hindsight', to='annotation.assignment')),
                        ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='hindsight_judgements', to='annotation.item')),
                        ('outcome_1', models.ForeignKey(blank=True, help_text='The outcome version of response 1 that was revealed.', null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='+', to='hindsight.simulatedoutcome')),
                        ('outcome_2', models.ForeignKey(blank=True, help_text='The outcome version of response 2 that was revealed (pairs).', null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='+', to='hindsight.simulatedoutcome')),
                    ],
                    options={
                        'db_table': 'annotation_hindsightjudgement',
                    },
                ),
                migrations.AddConstraint(
                    model_name='simulatedoutcome',
                    constraint=models.UniqueConstraint(fields=('response', 'version'), name='unique_outcome_version'),
                ),
                migrations.AddIndex(
                    model_name='hindsightjudgement',
                    index=models.Index(fields=['item', 'hindsight_at'], name='annotation__item_id_672205_idx'),
                ),
                migrations.AddConstraint(
                    model_name='hindsightjudgement',
                    constraint=models.UniqueConstraint(fields=('item', 'annotator'), name='one_hindsight_judgement_per_annotator'),
                ),
                migrations.AddConstraint(
                    model_name='hindsightjudgement',
                    constraint=models.CheckConstraint(condition=models.Q(('hindsight_rating__isnull', True), ('revealed_at__isnull', False), _connector='OR'), name='hindsight_rating_after_reveal'),
                ),
                migrations.AddConstraint(
                    model_name='hindsightjudgement',
                    constraint=models.CheckConstraint(condition=models.Q(('revealed_at__isnull', True), ('revealed_at__gte', models.F('foresight_at')), _connector='OR'), name='reveal_after_foresight'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, migrations.RunPython.noop),
    ]
