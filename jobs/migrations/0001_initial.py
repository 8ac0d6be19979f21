"""Jobs, their metrics and artifacts, moved from the training app with their tables (`training_trainingjob`, …)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ('trainingjob', 'jobmetric', 'artifact')


def relabel_content_types(apps, schema_editor) -> None:  # noqa: ANN001
    """Keep admin log entries and permissions attached: the moved models' content types change app."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label="jobs", model=model).exists():
            content_type.objects.filter(app_label="training", model=model).update(app_label="jobs")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('annotation', '0004_hindsight_models_move_to_hindsight_app'),
        ('datasets_app', '0003_dataset_format_hindsight'),
        ('training', '0003_online_dpo'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's model state moves.
            state_operations=[
                migrations.CreateModel(
                    name='TrainingJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('reward_model', 'Reward-model training'), ('online_dpo', 'Online DPO rounds'), ('bootstrap_policy', 'Bootstrap tiny policy'), ('outcome_simulation', 'Outcome simulation')], max_length=30)),
                        ('config', models.JSONField(default=dict, help_text='Validated configuration the job ran with.')),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('waiting', 'Waiting for human labels'), ('succeeded', 'Succeeded'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='queued', max_length=20)),
                        ('progress_step', models.PositiveIntegerField(default=0)),
                        ('progress_total', models.PositiveIntegerField(default=0)),
                        ('stage', models.CharField(blank=True, help_text='What the job is doing now.', max_length=200)),
                        ('summary', models.JSONField(blank=True, default=dict, help_text='Final metrics.')),
                        ('log_tail', models.TextField(blank=True)),
                        ('error', models.TextField(blank=True)),
                        ('traceback', models.TextField(blank=True)),
                        ('celery_task_id', models.CharField(blank=True, max_length=255)),
                        ('worker', models.CharField(blank=True, max_length=255)),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True)),
                        ('cancel_requested', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('dataset_version', models.ForeignKey(blank=True, help_text="What it trains on; empty: the project's annotations, split by prompt.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='training_jobs', to='datasets_app.datasetversion')),
                        ('launched_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='jobs', to='annotation.project')),
                        ('restart_of', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='restarts', to='jobs.trainingjob')),
                    ],
                    options={
                        'db_table': 'training_trainingjob',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='JobMetric',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('step', models.PositiveIntegerField()),
                        ('epoch', models.FloatField(blank=True, null=True)),
                        ('split', models.CharField(default='train', max_length=20)),
                        ('values', models.JSONField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='metrics', to='jobs.trainingjob')),
                    ],
                    options={
                        'db_table': 'training_jobmetric',
                        'ordering': ['job', 'step', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Artifact',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('path', models.CharField(max_length=1000)),
                        ('ready', models.BooleanField(default=False)),
                        ('metadata', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='artifacts', to='jobs.trainingjob')),
                    ],
                    options={
                        'db_table': 'training_artifact',
                    },
                ),
                migrations.AddIndex(
                    model_name='trainingjob',
                    index=models.Index(fields=['status', 'heartbeat_at'], name='training_tr_status_ee0940_idx'),
                ),
                migrations.AddIndex(
                    model_name='jobmetric',
                    index=models.Index(fields=['job', 'step'], name='training_jo_job_id_7eb372_idx'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, migrations.RunPython.noop),
    ]
