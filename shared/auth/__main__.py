"""`python -m shared.auth keygen|token`: see `shared.auth.keys`."""

from __future__ import annotations

from shared.auth.keys import main

if __name__ == "__main__":
    main()
