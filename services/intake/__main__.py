"""`python -m services.intake [serve|relay|import FILE]`."""

from __future__ import annotations

from services.intake.entrypoints.cli import main

if __name__ == "__main__":
    main()
