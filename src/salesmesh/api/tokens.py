"""Personal API tokens: issuing, revoking, and the bearer auth the API tries first.

A token is ``smt_`` followed by 43 URL-safe characters (256 random bits). The database
keeps its SHA-256 only, so the token is found by its hash (a unique index) and the
stored hash is then compared in constant time. The caller becomes the token's owner,
read afresh on every call: a role change or a deactivation applies at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from salesmesh.api.models import PREFIX_LENGTH, ApiToken
from salesmesh.org.models import User

TOKEN_PREFIX = "smt_"  # noqa: S105 - a public marker, not a secret
# last_used_at is written at most this often per token: a busy script costs no write per call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its secret, which exists only here and on the page that shows it once."""

    token: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_issue(*, owner: User, name: str, expires_at: datetime | None = None) -> IssuedToken:
    """A new token for ``owner``; the caller shows ``secret`` once and forgets it."""
    body = secrets.token_urlsafe(32)
    secret = TOKEN_PREFIX + body
    token = ApiToken.objects.create(
        owner=owner,
        name=name.strip(),
        prefix=body[:PREFIX_LENGTH],
        secret_hash=token_hash(secret),
        expires_at=expires_at,
    )
    return IssuedToken(token=token, secret=secret)


def token_revoke(*, token: ApiToken, at: datetime | None = None) -> ApiToken:
    """Refuse the token from now on (revoking twice keeps the first moment)."""
    if token.revoked_at is None:
        token.revoked_at = at or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first; nobody sees anyone else's (admins neither)."""
    return ApiToken.objects.filter(owner=user).order_by("-created_at", "-pk")


def token_user(secret: str, *, now: datetime | None = None) -> User | None:
    """The active owner of a valid token, recording the use; None for anything else."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    digest = token_hash(secret)
    token = ApiToken.objects.select_related("owner").filter(secret_hash=digest).first()
    if token is None or not hmac.compare_digest(token.secret_hash, digest):
        return None
    moment = now or timezone.now()
    if token.revoked_at is not None or (token.expires_at and token.expires_at <= moment):
        return None
    if not token.owner.is_active:
        return None
    if token.last_used_at is None or moment - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
    return token.owner


class TokenAuth(HttpBearer):
    """``Authorization: Bearer smt_…``; a token that is sent but invalid is a 401 at once.

    Token calls carry no cookie, so they need no CSRF token; a call without the header
    falls through to the session auth, which keeps its CSRF check.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token.strip())
        if user is None:
            raise AuthenticationError
        request.user = user
        return user


token_auth = TokenAuth()
