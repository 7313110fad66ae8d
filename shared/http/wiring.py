"""The handlers' dependencies of a running service, wired once and handed to every request.

Each service's app keeps `app.state.dependencies(runtime)` (its bootstrap's wiring) and `app.state.runtime`. Routes
take the result through a FastAPI dependency that must be an `async def`: FastAPI runs a plain `def` dependency in a
worker thread, a thread hop (and a wait for the interpreter lock) on every request.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request


def wired(request: Request) -> Any:
    """The dependencies of the app's running runtime, built on first use and again when the runtime is restarted."""
    state = request.app.state
    runtime = state.runtime
    # The store is opened by the runtime's start: a restarted runtime gets dependencies on its new store.
    key = (id(runtime), id(getattr(runtime, "store", None)))
    cached = getattr(state, "wired_dependencies", None)
    if cached is None or cached[0] != key:
        cached = (key, state.dependencies(runtime))
        state.wired_dependencies = cached
    return cached[1]
