"""A reward-training job's process (`train_reward_model --inline`, or a Celery worker's) loads Django, the
job body and the trainer's libraries, not the export builders' Polars and PyArrow (~60 MiB resident, which
Celery's task autodiscovery used to import into every Verdict process): issue 17's memory budget."""
import subprocess
import sys

CHECK = """
import sys, django
django.setup()
from verdict.celery import app
app.loader.import_default_modules()
from django.core.management import load_command_class
load_command_class("training", "train_reward_model")
import training.rewards.job_body, training.rewards.tasks
print(",".join(m for m in ("polars", "pyarrow") if m in sys.modules))
"""


def test_a_reward_job_process_does_not_load_the_export_builders():
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120,
                            env={"DJANGO_SETTINGS_MODULE": "verdict.settings.test", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1:] in ([], [""]), result.stdout
