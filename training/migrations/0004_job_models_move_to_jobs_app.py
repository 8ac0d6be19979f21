"""Jobs, their metrics and artifacts now belong to the `jobs` app (same tables)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0001_initial'),
        ('training', '0003_online_dpo'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's model state moves.
            state_operations=[
                migrations.RemoveField(
                    model_name='jobmetric',
                    name='job',
                ),
                migrations.RemoveField(
                    model_name='trainingjob',
                    name='dataset_version',
                ),
                migrations.RemoveField(
                    model_name='trainingjob',
                    name='launched_by',
                ),
                migrations.RemoveField(
                    model_name='trainingjob',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='trainingjob',
                    name='restart_of',
                ),
                migrations.AlterField(
                    model_name='policycheckpoint',
                    name='created_by_job',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='policy_checkpoints', to='jobs.trainingjob'),
                ),
                migrations.AlterField(
                    model_name='rewardmodel',
                    name='job',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='reward_model', to='jobs.trainingjob'),
                ),
                migrations.AlterField(
                    model_name='onlineround',
                    name='job',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='online_round', to='jobs.trainingjob'),
                ),
                migrations.DeleteModel(
                    name='Artifact',
                ),
                migrations.DeleteModel(
                    name='JobMetric',
                ),
                migrations.DeleteModel(
                    name='TrainingJob',
                ),
            ],
            database_operations=[],
        ),
    ]
