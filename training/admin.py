"""Admin of the training app's registries: one module per feature package."""
from training.online_dpo import admin as online_dpo_admin
from training.policies import admin as policies_admin
from training.rewards import admin as rewards_admin

__all__ = ["online_dpo_admin", "policies_admin", "rewards_admin"]
