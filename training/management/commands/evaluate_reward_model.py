"""`manage.py evaluate_reward_model MODEL (--file PATH | --dataset VERSION [--split all|train|validation])`:
score a registered reward model (or ensemble) on preference pairs it has not been trained on (the train split,
or all, of the version it was trained from is refused), print pairwise accuracy with its 95 % Wilson
interval, agreement by preference strength, calibration (ECE) and mean margin, and store the result on the
model (its registry page shows it); `--scores-out PATH` also writes each pair's two rewards. MODEL: the
registry id. The file may be in any importable preference format (HH-RLHF, HelpSteer2-Preference, Verdict
JSONL/CSV) or TRL pairs; it is read, never imported."""
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from training.rewards.evaluation_pairs import evaluation_pairs_from_file, model_version_pairs
from training.rewards.models import RewardAggregation, RewardModel
from training.rewards.selectors import dataset_version_for
from training.rewards.services import reward_model_evaluate


class Command(BaseCommand):
    help = "Evaluate a registered reward model on held-out preference pairs (a file or a dataset version)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("model", type=int, help="the reward model's registry id")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--file", help="a preference file or save_to_disk folder (.jsonl[.gz], .csv, .zip, folder)")
        source.add_argument("--dataset", help="a dataset version of the model's project: its id, or SLUG:N")
        parser.add_argument("--split", choices=("all", "train", "validation"), default="all", help="with --dataset")
        parser.add_argument("--aggregation", choices=RewardAggregation.values, help="ensemble aggregation (default: the model's)")
        parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
        parser.add_argument("--json", action="store_true", help="print the stored report as JSON")
        parser.add_argument(
            "--scores-out", type=Path, metavar="PATH",
            help='also write each pair\'s rewards to PATH, one JSON line per pair in the file\'s order: {"pair": KEY, '
            '"chosen": r_c, "rejected": r_r} (scripts/compare_pair_scores.py compares two models pair by pair)',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        model = RewardModel.objects.filter(pk=options["model"]).select_related("project").first()
        if model is None:
            raise CommandError(f"No reward model with id {options['model']}.")
        try:
            if options["file"]:
                pairs = evaluation_pairs_from_file(options["file"])
                source = Path(options["file"]).name
            else:
                version = dataset_version_for(project=model.project, reference=options["dataset"])
                pairs = model_version_pairs(reward_model=model, version=version, split=options["split"])
                source = f"{version} ({options['split']})"
            report = reward_model_evaluate(
                reward_model=model, pairs=pairs, source=source, aggregation=options["aggregation"], device=options["device"],
                scores_path=options["scores_out"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, sort_keys=True))
            return
        self.stdout.write(format_report(model, report))


def format_report(model: RewardModel, report: dict[str, Any]) -> str:
    lines = [
        f"Reward model #{model.pk} ({model.name}) on {report['source']}: {report['n']} pairs"
        + (f" ({report['left_out_trained_prompts']} left out: prompts it may have been trained on)" if report.get("left_out_trained_prompts") else ""),
        f"pairwise accuracy {report['accuracy']:.3f} (95 % Wilson interval {report['accuracy_low']:.3f}–{report['accuracy_high']:.3f}),"
        f" ties {report['ties']}",
        f"mean margin r_c − r_r {report['margin_mean']:.4f}, reward std {report['reward_std']:.4f}, BT loss {report['bt_loss']:.4f},"
        f" ECE {report['ece']:.4f}",
    ]
    for strength, row in report["by_strength"].items():
        lines.append(
            f"  |strength| {strength}: {row['accuracy']:.3f} ({row['accuracy_low']:.3f}–{row['accuracy_high']:.3f}) on {row['n']} pairs"
        )
    return "\n".join(lines)
