"""The two prompt pools of a project's policy work: training prompts (sampled by rounds, used by the
bootstrap) and held-out evaluation prompts that no policy ever trains on."""
import hashlib

from annotation.models import Project, Prompt

EVAL_POOL, TRAIN_POOL = "eval", "train"


# Prompt.metadata["policy_split"] pins a prompt to a pool; otherwise its content hash decides.
POOL_KEY = "policy_split"


def prompt_pool(prompt: Prompt | tuple[str, dict], eval_fraction: float) -> str:
    """EVAL_POOL or TRAIN_POOL. `metadata["policy_split"]` ("train" / "eval") decides when present;
    otherwise the prompt's content hash does, so a prompt never changes pool between rounds."""
    content_hash, metadata = (prompt.content_hash, prompt.metadata) if isinstance(prompt, Prompt) else prompt
    pinned = (metadata or {}).get(POOL_KEY)
    if pinned in (EVAL_POOL, TRAIN_POOL):
        return pinned
    position = int(hashlib.sha256(f"policy-pool:{content_hash}".encode()).hexdigest()[:12], 16) / 16**12
    return EVAL_POOL if position < eval_fraction else TRAIN_POOL


def prompt_pools(*, project: Project, eval_fraction: float) -> dict[str, list[int]]:
    """Prompt ids of the two pools, in content-hash order (stable across rounds and databases)."""
    pools: dict[str, list[int]] = {TRAIN_POOL: [], EVAL_POOL: []}
    rows = Prompt.objects.filter(project=project).order_by("content_hash").values_list("pk", "content_hash", "metadata")
    for pk, content_hash, metadata in rows:
        pools[prompt_pool((content_hash, metadata), eval_fraction)].append(pk)
    return pools
