"""The FastAPI dependency that authenticates a request: `user: CurrentUser` in a route's signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth.principal import Principal
from shared.auth.verification import InvalidToken, TokenVerifier

_bearer = HTTPBearer(auto_error=False, description="JWT issued by the department's identity provider")


def authenticate(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The caller, or 401 with `WWW-Authenticate`."""
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "jeton d'accès manquant (en-tête Authorization: Bearer)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return verifier.verify(credentials.credentials)
    except InvalidToken as e:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"jeton d'accès refusé ({e})",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from e


CurrentUser = Annotated[Principal, Depends(authenticate)]
