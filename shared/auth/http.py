"""The FastAPI dependency that authenticates a request: `user: CurrentUser` in a route's signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from shared.auth.principal import Principal
from shared.auth.verification import InvalidToken, TrustedIssuers

_bearer = HTTPBearer(auto_error=False, description="JWT issued by the department's identity provider")


async def authenticate(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The caller, or 401 with `WWW-Authenticate`. A token verified before answers at once; a new one is verified
    in a worker thread (its issuer's keys may have to be fetched)."""
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "jeton d'accès manquant (en-tête Authorization: Bearer)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TrustedIssuers = request.app.state.token_verifier
    if (known := verifier.cached(credentials.credentials)) is not None:
        return known
    try:
        return await run_in_threadpool(verifier.verify, credentials.credentials)
    except InvalidToken as e:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"jeton d'accès refusé ({e})",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from e


CurrentUser = Annotated[Principal, Depends(authenticate)]
