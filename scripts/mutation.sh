#!/usr/bin/env bash
# Mutation testing of Verdict's critical modules with mutmut, each module against only the tests that
# guard it (the whole suite per mutant would take days on a small machine). Run before a release; too
# slow for CI. Prints killed / survived / timeout per module, and lists the surviving mutants.
#
#   bash scripts/mutation.sh                      # every module below (hours)
#   bash scripts/mutation.sh annotation/rendering.py verdict_ml/rewards/losses.py
#   MUTATION_FOCUS=1 bash scripts/mutation.sh annotation/services/submission.py   # only the FOCUS functions below
#   MUTATION_RESUME=1 bash scripts/mutation.sh annotation/permissions.py
#       # after adding tests (and no change to the module): re-tests only the mutants that the last run
#       # did not kill, and counts the last run's kills as they were (a new test cannot revive a mutant)
#
# Each module runs in its own scratch copy of the repository, var/mutation/<module>/ (mutmut mutates a
# copy under mutants/ and reads its settings from setup.cfg, which the script writes there). To look at
# a survivor afterwards: cd var/mutation/<module> && ../../../.venv/bin/mutmut show <mutant name>.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# The module to mutate, then the tests that guard it (update the paths when files move).
MODULES=(
  # who may do what: the checks, and every page's and API's use of them
  "annotation/permissions.py :: tests/annotation/test_permission_helpers.py tests/annotation/test_permission_classes.py tests/annotation/test_permission_matrix.py tests/hindsight/test_hindsight_permissions.py tests/datasets_app/imports/test_import_list_membership.py"
  "jobs/permissions.py :: tests/jobs/test_job_access.py tests/annotation/test_permission_helpers.py tests/annotation/test_permission_matrix.py tests/training/online_dpo/test_online_dpo_job_access.py tests/training/test_training_pages.py"
  "annotation/api.py :: tests/annotation/test_permission_matrix.py tests/annotation/test_task_api.py"
  "annotation/views.py :: tests/annotation/test_permission_matrix.py tests/annotation/test_task_api.py"
  "hindsight/api.py :: tests/annotation/test_permission_matrix.py tests/hindsight/test_hindsight_permissions.py tests/hindsight/test_hindsight_outcomes_access.py tests/hindsight/test_hindsight_reveal_order.py"
  "hindsight/views.py :: tests/annotation/test_permission_matrix.py tests/hindsight/test_hindsight_permissions.py tests/hindsight/test_hindsight_outcomes_access.py"
  "quality/api.py :: tests/annotation/test_permission_matrix.py tests/quality/test_review_and_adjudication.py"
  "datasets_app/imports/api.py :: tests/annotation/test_permission_matrix.py tests/datasets_app/imports/test_import_interfaces.py tests/datasets_app/imports/test_import_list_membership.py"
  "datasets_app/imports/views.py :: tests/annotation/test_permission_matrix.py tests/datasets_app/imports/test_import_interfaces.py"
  "datasets_app/exports/api.py :: tests/annotation/test_permission_matrix.py tests/datasets_app/exports/test_export_interfaces.py"
  "datasets_app/exports/views.py :: tests/annotation/test_permission_matrix.py tests/datasets_app/exports/test_export_interfaces.py"
  "jobs/api.py :: tests/annotation/test_permission_matrix.py tests/jobs/test_restart_idempotency.py"
  "training/rewards/api.py :: tests/annotation/test_permission_matrix.py tests/training/rewards/test_reward_job.py tests/training/test_training_pages.py"
  "training/online_dpo/api.py :: tests/annotation/test_permission_matrix.py tests/training/online_dpo/test_online_dpo_job_access.py"
  "training/rewards/views.py :: tests/annotation/test_permission_matrix.py tests/training/test_training_pages.py"
  "training/online_dpo/views.py :: tests/annotation/test_permission_matrix.py tests/training/online_dpo/test_online_dpo_job_access.py"
  # assignment and submission (display order, overlap, idempotency), the hindsight reveal order
  "annotation/services/assignment.py :: tests/annotation/test_next_task_assignment.py tests/annotation/test_concurrent_assignment.py tests/annotation/test_task_api.py"
  "annotation/services/submission.py :: tests/annotation/test_next_task_assignment.py tests/annotation/test_annotation_submission.py tests/annotation/test_annotation_display_order.py tests/annotation/test_task_api.py tests/training/rewards/test_reward_training_data_labels.py tests/annotation/test_annotation_error_letters.py tests/annotation/test_annotation_time_spent.py tests/annotation/test_client_id_per_task.py"
  "hindsight/services.py :: tests/hindsight/test_hindsight_reveal_order.py tests/hindsight/test_hindsight_foresight_lock.py"
  # rendering model text
  "annotation/rendering.py :: tests/annotation/test_markdown_sanitisation.py tests/annotation/test_markdown_limits.py tests/annotation/test_markdown_rendering.py tests/annotation/test_task_api.py"
  # imports (validation, atomicity, idempotency) and exports (rows, aggregation, checksums)
  "datasets_app/imports/services.py :: tests/datasets_app/imports/test_import_record.py tests/datasets_app/imports/test_import_streaming.py tests/datasets_app/imports/test_import_limits.py tests/datasets_app/imports/test_import_validation.py tests/datasets_app/imports/test_import_atomicity.py tests/datasets_app/imports/test_import_idempotency.py tests/datasets_app/imports/test_import_formats.py tests/datasets_app/imports/test_import_interfaces.py tests/datasets_app/imports/test_import_stats_stale.py tests/datasets_app/imports/test_import_write_conflict.py"
  "datasets_app/exports/build.py :: tests/datasets_app/exports/test_export_checksums.py tests/datasets_app/exports/test_dataset_build_jobs.py tests/datasets_app/exports/test_export_interfaces.py"
  "datasets_app/exports/storage.py :: tests/datasets_app/exports/test_dataset_file_verification.py tests/datasets_app/exports/test_dataset_storage_immutability.py tests/datasets_app/exports/test_export_checksums.py"
  "datasets_app/exports/dataset_rows.py :: tests/datasets_app/exports/test_export_formats.py tests/datasets_app/exports/test_export_columnar.py tests/datasets_app/exports/test_export_determinism.py"
  "datasets_app/exports/builders/formats.py :: tests/datasets_app/exports/test_export_group_builders.py tests/datasets_app/exports/test_export_formats.py tests/datasets_app/exports/test_export_columnar.py"
  "datasets_app/exports/builders/aggregation.py :: tests/datasets_app/exports/test_export_aggregation.py tests/datasets_app/exports/test_export_group_builders.py"
  "datasets_app/exports/builders/archive.py :: tests/datasets_app/exports/test_export_checksums.py tests/datasets_app/exports/test_export_determinism.py"
  # training data: label direction, losses, online-round prompt pools
  "training/rewards/selectors.py :: tests/training/judges/test_judge_labels_stay_out_of_training.py tests/training/rewards/test_reward_training_data_labels.py tests/training/rewards/test_reward_training_data_attributes.py tests/training/test_hindsight_training_source.py tests/training/rewards/test_reward_job_dataset.py tests/training/rewards/test_reward_training_data_drops.py tests/training/rewards/test_reward_training_data_malformed_ratings.py tests/training/rewards/test_reward_training_data_split.py"
  "verdict_ml/rewards/losses.py :: tests/verdict_ml/rewards/test_reward_losses.py tests/verdict_ml/rewards/test_reward_loss_direction.py"
  "training/online_dpo/selectors.py :: tests/training/online_dpo/test_online_dpo_evaluation_pool.py tests/training/online_dpo/test_online_dpo_job_access.py"
  "training/policies/pools.py :: tests/training/online_dpo/test_online_dpo_evaluation_pool.py tests/training/policies/test_policy_bootstrap.py"
)
# With MUTATION_FOCUS=1, the modules below mutate only the functions named here (mutmut's mutant names
# are <module>.x_<function>__mutmut_<n>): the code that must have no survivor — label direction at
# submission and in the reward model's training rows, sanitisation (not the C parser's memory handling),
# the import's transaction, file checksums (not the zip layout) — for a release check that has no hours.
declare -A FOCUS=(
  ["annotation/services/submission.py"]="displayed_responses _canonical_slots as_shown _apply_input annotation_fill"
  ["training/rewards/selectors.py"]="round_half_away reward_training_data"
  ["annotation/rendering.py"]="render_markdown _markdown_html _nesting _plain_html"
  ["datasets_app/imports/services.py"]="items_import _read_and_write"
  ["datasets_app/exports/builders/archive.py"]="file_sha256 files_under"
  ["datasets_app/exports/storage.py"]="verify read_verified _entry _mismatch"
)

# Everything the tests import or read, copied into mutmut's mutants/ folder (only the module is mutated).
SOURCE_PATHS=(annotation datasets_app hindsight jobs quality training verdict verdict_ml)
ALSO_COPY=(conftest.py pytest.ini manage.py templates static)

if [ ! -x .venv/bin/python ]; then
  python3.11 -m venv .venv
fi
.venv/bin/python -c "import mutmut" 2>/dev/null || .venv/bin/pip install -q -r requirements-dev.txt
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 OMP_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false
unset DATABASE_URL  # SQLite, in a throwaway folder (verdict/settings/test.py)

selected=()
for entry in "${MODULES[@]}"; do
  module=${entry%% :: *}
  if [ $# -eq 0 ] || printf '%s\n' "$@" | grep -qxF "$module"; then
    selected+=("$entry")
  fi
done
for wanted in "$@"; do
  printf '%s\n' "${MODULES[@]}" | grep -q "^$wanted :: " || { echo "not in MODULES: $wanted" >&2; exit 2; }
done

write_config() {  # module, tests...
  local module=$1; shift
  echo "[mutmut]"
  echo "source_paths ="; printf '    %s/\n' "${SOURCE_PATHS[@]}"
  echo "only_mutate ="; echo "    $module"
  echo "pytest_add_cli_args_test_selection ="; printf '    %s\n' "$@"
  # --reuse-db: every mutant's tests use the one test database the first mutant's run migrated (each
  # mutant's process forks from the same server, so they share the settings' database path); migrating
  # a fresh one per mutant took 20 s, most of a mutant's time.
  echo "pytest_add_cli_args ="; printf '    %s\n' -p no:cacheprovider --reuse-db
  echo "also_copy ="; printf '    %s\n' "${ALSO_COPY[@]}"
  # Each mutant's tests run in a process forked from a server that has imported and collected the
  # tests but run none: forked from mutmut's own process (which ran them all once), a mutant would
  # inherit caches the clean run filled (rendering.py's per-thread Markdown instance) and survive.
  echo "process_isolation = forkserver"
}

summary=()
for entry in "${selected[@]}"; do
  module=${entry%% :: *}
  read -r -a tests <<< "${entry#* :: }"
  work="var/mutation/$(echo "$module" | tr '/.' '--')"
  previous=""
  if [ "${MUTATION_RESUME:-0}" = 1 ] && [ -s "$work/results.txt" ]; then
    previous=$(mktemp)
    cp "$work/results.txt" "$previous"
  fi
  rm -rf "$work" && mkdir -p "$work"
  git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$work"
  write_config "$module" "${tests[@]}" > "$work/setup.cfg"
  patterns=()
  if [ "${MUTATION_FOCUS:-0}" = 1 ] && [ -n "${FOCUS[$module]:-}" ]; then
    prefix=$(echo "${module%.py}" | tr / .)
    for function in ${FOCUS[$module]}; do patterns+=("$prefix.x_${function}__mutmut_*"); done
    echo "== $module, only ${FOCUS[$module]}"
  fi
  focus=("${patterns[@]}")
  if [ -n "$previous" ]; then
    # The last run's mutants that were not killed (within the focus, if any), by name.
    mapfile -t patterns < <("$ROOT/.venv/bin/python" - "$previous" "${focus[@]}" <<'PY'
import fnmatch, sys
for line in open(sys.argv[1]):
    name, _, status = line.strip().rpartition(": ")
    if name and status != "killed" and (len(sys.argv) < 3 or any(fnmatch.fnmatch(name, p) for p in sys.argv[2:])):
        print(name)
PY
)
    echo "== $module: re-testing the ${#patterns[@]} mutants the last run did not kill"
  fi
  echo "== $module (${#tests[@]} test files; log: $work/mutmut.log)"
  started=$(date +%s)
  if [ -n "$previous" ] && [ ${#patterns[@]} -eq 0 ]; then
    : > "$work/results.txt"  # nothing left to re-test
  else
    # One mutant at a time: the test settings fix the test database's path per process, which forked
    # workers would share; and the machine's cores are shared anyway.
    (cd "$work" && "$ROOT/.venv/bin/mutmut" run --max-children 1 "${patterns[@]}" > mutmut.log 2>&1) || {
      echo "   mutmut failed: see $work/mutmut.log" >&2; tail -n 20 "$work/mutmut.log" >&2; continue
    }
    (cd "$work" && "$ROOT/.venv/bin/mutmut" results --all true > results.txt 2>/dev/null || true)
  fi
  seconds=$(( $(date +%s) - started ))
  if [ -n "$previous" ]; then  # the last run's verdicts, overridden by this run's re-tests
    "$ROOT/.venv/bin/python" - "$previous" "$work/results.txt" > "$work/results.merged.txt" <<'PY'
import sys
verdicts = {}
for path in sys.argv[1:]:
    for line in open(path):
        name, _, status = line.strip().rpartition(": ")
        if name and (status != "not checked" or name not in verdicts):
            verdicts[name] = status
for name, status in verdicts.items():
    print(f"    {name}: {status}")
PY
    mv "$work/results.merged.txt" "$work/results.txt"
    rm -f "$previous"
  fi
  # The row counts the module's mutants (or the FOCUS functions' ones).
  row=$("$ROOT/.venv/bin/python" - "$work/results.txt" "$module" "$seconds" "${focus[@]}" <<'PY'
import fnmatch, os, sys
from collections import Counter
results, module, seconds, patterns = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
counts = Counter()
with open(results) as handle:
    for line in handle:
        name, _, status = line.strip().rpartition(": ")
        if name and (not patterns or any(fnmatch.fnmatch(name, p) for p in patterns)):
            counts[status] += 1
known = ("killed", "survived", "timeout", "no tests", "suspicious")
other = sum(n for status, n in counts.items() if status not in known)
label = f"`{module}`" + (" (focus)" if patterns else "") + (" (resumed)" if os.environ.get("MUTATION_RESUME") == "1" else "")
print(f"| {label} | {sum(counts.values())} | {counts['killed']} | {counts['survived']} | {counts['timeout']} | "
      f"{counts['suspicious']} | {counts['no tests']} | {other} | {seconds} s |")
PY
)
  echo "$row"
  grep -v -e ': killed$' -e ': not checked$' "$work/results.txt" | sed 's/^ */   /' || true
  summary+=("$row")
done

echo
echo "| module | mutants | killed | survived | timeout | suspicious | no tests | other | time |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${summary[@]}"
