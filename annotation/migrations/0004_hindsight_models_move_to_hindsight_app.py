"""The hindsight models now belong to the `hindsight` app (same tables)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('annotation', '0003_hindsight'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's model state moves.
            state_operations=[
                migrations.RemoveField(
                    model_name='scenario',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='scenario',
                    name='prompt',
                ),
                migrations.RemoveField(
                    model_name='simulatedoutcome',
                    name='response',
                ),
                migrations.DeleteModel(
                    name='HindsightJudgement',
                ),
                migrations.DeleteModel(
                    name='Scenario',
                ),
                migrations.DeleteModel(
                    name='SimulatedOutcome',
                ),
            ],
            database_operations=[],
        ),
    ]
