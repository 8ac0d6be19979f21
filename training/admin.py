"""Admin of the training app's registries: one module per feature package."""
from training.arena import admin as arena_admin
from training.online_dpo import admin as online_dpo_admin
from training.policies import admin as policies_admin
from training.rewards import admin as rewards_admin

__all__ = ["arena_admin", "online_dpo_admin", "policies_admin", "rewards_admin"]
