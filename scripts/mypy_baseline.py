"""Run mypy over server/ and qr/ and fail if any file has more errors than mypy-baseline.txt.

Typing starts from what passes and never gets worse: the baseline lists, per file, how many
errors mypy reports today. A new error anywhere fails; a file that got better prints a
reminder to lower its count (`--update` rewrites the baseline from the current run).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+: error:")


def run_mypy() -> tuple[Counter[str], str]:
    """Return the errors per file and mypy's full output."""
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    if proc.returncode not in (0, 1):
        sys.exit(f"mypy failed to run (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    counts: Counter[str] = Counter()
    for line in proc.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            counts[match["path"]] += 1
    return counts, proc.stdout


def read_baseline() -> Counter[str]:
    """Return the allowed error count per file."""
    counts: Counter[str] = Counter()
    if BASELINE.exists():
        for line in BASELINE.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                count, path = line.split(maxsplit=1)
                counts[path] = int(count)
    return counts


def write_baseline(counts: Counter[str]) -> None:
    """Write the current per-file error counts as the new baseline."""
    lines = ["# mypy errors allowed per file (scripts/mypy_baseline.py); only ever lower these."]
    lines += [f"{counts[path]} {path}" for path in sorted(counts)]
    BASELINE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    """Compare this run with the baseline; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--update", action="store_true", help="rewrite mypy-baseline.txt")
    args = parser.parse_args()
    counts, output = run_mypy()
    if args.update:
        write_baseline(counts)
        print(f"mypy baseline: {sum(counts.values())} errors in {len(counts)} files")
        return 0
    allowed = read_baseline()
    worse = {p: (n, allowed.get(p, 0)) for p, n in counts.items() if n > allowed.get(p, 0)}
    better = {p: (counts.get(p, 0), n) for p, n in allowed.items() if counts.get(p, 0) < n}
    if worse:
        print(output, end="")
        for path, (now, was) in sorted(worse.items()):
            print(f"mypy: {path} has {now} errors, the baseline allows {was}")
        print("mypy: new type errors (fix them; the baseline only ever goes down)")
        return 1
    for path, (now, was) in sorted(better.items()):
        print(f"mypy: {path} improved ({was} -> {now}); lower it: scripts/mypy_baseline.py "
              "--update")
    print(f"mypy: {sum(counts.values())} errors in {len(counts)} files, none beyond the "
          "baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
