"""`python -m shared.migrations new <set directory> "message"`: write the next revision of a migration set.

Running migrations is each service's business (`python -m services.<name> migrate`, and at every start).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from shared.migrations import new_revision


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m shared.migrations", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("new", help="write the next numbered revision of a set (then fill in its upgrade)")
    new.add_argument("directory", type=Path, help="the set's directory, e.g. services/intake/adapters/migrations")
    new.add_argument("message", help="what the revision changes, e.g. 'add parked events'")
    args = parser.parse_args(argv)
    if not (args.directory / "env.py").exists():
        parser.error(f"{args.directory} is not a migration set (no env.py)")
    print(f"wrote {new_revision(args.directory, args.message)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
