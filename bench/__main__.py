"""`python -m bench [PATH ...]` (see bench/cli.py) and `python -m bench platform ...` (see bench/platform.py)."""

import sys

if len(sys.argv) > 1 and sys.argv[1] == "platform":
    from bench.platform import main

    sys.exit(main(sys.argv[2:]))

from bench.cli import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
