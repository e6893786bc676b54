"""Write (or check) the project's generated dbt files for the demo configuration, the committed ones.

    python scripts/generate_files.py           # write every stale generated file
    python scripts/generate_files.py --check   # exit 1 naming the stale files

`segment-analytics generate` does the same for the configuration of any project (its vars and
--vars); this script renders the sandbox demo's configuration, which the committed files follow
(tests/unit/generated/test_generated_files.py fails while one is stale).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from orchestrate.generated import GENERATORS, stale_files, write_files  # noqa: E402 - after the path is set
from segment_analytics_sandbox.demo.config import demo_config  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(ROOT, demo_config(), GENERATORS)
        for generated in stale:
            print(f"stale: {generated.path.relative_to(ROOT)}")
        return 1 if stale else 0
    for generated in write_files(ROOT, demo_config(), GENERATORS):
        print(f"written: {generated.path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
