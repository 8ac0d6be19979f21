"""Celery's autodiscovery imports `<app>.tasks`: the training app's tasks live in its feature
packages, one module each, and are registered by importing them here."""
from training.arena import tasks as arena_tasks
from training.judges import tasks as judges_tasks
from training.online_dpo import tasks as online_dpo_tasks
from training.policies import tasks as policies_tasks
from training.rewards import tasks as rewards_tasks

__all__ = ["arena_tasks", "judges_tasks", "online_dpo_tasks", "policies_tasks", "rewards_tasks"]
