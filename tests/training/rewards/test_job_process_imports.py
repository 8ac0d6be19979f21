"""A reward-training job's process (`train_reward_model --inline`, or a Celery worker's) loads Django, the
job body and the trainer's libraries, not the export builders' Polars and PyArrow (~60 MiB resident, which
Celery's task autodiscovery used to import into every Verdict process): issue 17's memory budget."""
from tests.fresh_process import modules_loaded_after

JOB_START = """
import django
django.setup()
from verdict.celery import app
app.loader.import_default_modules()
from django.core.management import load_command_class
load_command_class("training", "train_reward_model")
import training.rewards.job_body, training.rewards.tasks
"""


def test_a_reward_job_process_does_not_load_the_export_builders():
    assert modules_loaded_after(JOB_START, ("polars", "pyarrow")) == []
