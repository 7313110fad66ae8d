"""FastAPI dependencies of intake's routes: the handlers' dependencies and the settings of the running service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.intake.service_layer.dependencies import Dependencies
from services.intake.settings import IntakeSettings
from shared.http.wiring import wired


async def _dependencies(request: Request) -> Dependencies:
    # async: FastAPI runs a plain function in a worker thread; the wiring is built once (shared/http/wiring.py).
    return wired(request)


async def _settings(request: Request) -> IntakeSettings:
    return request.app.state.settings


DependenciesDep = Annotated[Dependencies, Depends(_dependencies)]
SettingsDep = Annotated[IntakeSettings, Depends(_settings)]
