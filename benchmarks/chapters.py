"""Print seconds per chapter from the runner's timings (``data/<profile>/results/timings.json``).

    .venv/bin/python benchmarks/chapters.py [profile]
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_CPU = {"01_simulate": 11 * 60, "02_train_cwgan": 15 * 60, "03_train_vae": 12 * 60,
              "04_evaluate": 8 * 60, "05_latent_analysis": 4 * 60}

if __name__ == "__main__":
    profile = sys.argv[1] if len(sys.argv) > 1 else "cpu"
    path = ROOT / "data" / profile / "results" / "timings.json"
    if not path.exists():
        sys.exit(f"{path} not found: run `python -m support.book run --profile {profile}` first")
    timings = json.loads(path.read_text())
    for chapter, seconds in timings.items():
        budget = BUDGET_CPU.get(chapter) if profile == "cpu" else None
        note = f"  (budget {budget / 60:.0f} min)" if budget else ""
        print(f"{chapter:22s} {seconds:8.1f} s{note}")
    total = sum(timings.values())
    print(f"{'total':22s} {total:8.1f} s = {total / 60:.1f} min" + ("  (budget 45 min)" if profile == "cpu" else ""))
