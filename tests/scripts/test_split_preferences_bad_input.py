"""`scripts/split_preferences.py` on a file with a broken line: it names the line, exits non-zero and
leaves no output file behind (no train file that a later step would take for a whole split)."""
import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "split_preferences.py"


def test_a_broken_line_is_named_and_nothing_is_written(tmp_path):
    rows = [json.dumps({"chosen": f"\n\nHuman: q{i}\n\nAssistant: yes", "rejected": f"\n\nHuman: q{i}\n\nAssistant: no"})
            for i in range(3)]
    source = tmp_path / "pairs.jsonl"
    source.write_text("\n".join([rows[0], rows[1], rows[2][:20]]) + "\n")
    out = tmp_path / "split"

    result = subprocess.run([sys.executable, str(SCRIPT), str(source), "--out-dir", str(out)], capture_output=True, text=True)

    assert result.returncode != 0
    assert "line 3" in result.stderr and "Traceback" not in result.stderr
    assert not (out / "train.jsonl.gz").exists() and not (out / "held-out.jsonl.gz").exists()
    assert not list(out.glob("*")) if out.exists() else True
