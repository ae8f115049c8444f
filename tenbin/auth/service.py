"""Users, sign-in and API tokens. Service functions own their transactions (``engine`` in, results out)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Engine, and_, func, insert, select, update

from tenbin.auth import audit
from tenbin.auth.errors import (
    AUTH_INVALID,
    AUTH_RATE_LIMITED,
    AUTH_TOKEN_INVALID,
    TOKEN_NOT_FOUND,
    TOKEN_SCOPE_EXCEEDS_ROLE,
    USER_EXISTS,
    USER_LAST_ADMIN,
    USER_NAME_INVALID,
    USER_NOT_FOUND,
    USER_PASSWORD_WEAK,
    USER_ROLE_INVALID,
)
from tenbin.auth.passwords import MIN_LENGTH, generate_password, hash_password, needs_rehash, verify_password
from tenbin.auth.roles import Role, within
from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.errors import Place, TenbinError

USERNAME = re.compile(r"[A-Za-z0-9._@-]{3,100}")
# Sign-in throttling, counted in the database so that it holds across several app processes.
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 30
TOKEN_PREFIX = "tbn_"

users_t = schema.users
tokens_t = schema.api_tokens


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str | None
    email: str | None
    role: str
    locale: str
    is_active: bool
    must_change_password: bool
    last_login_at: dt.datetime | None
    created_at: dt.datetime | None
    # changes whenever the password does: sessions carry it, so a reset signs out old sessions
    session_key: str = ""


@dataclass(frozen=True)
class NewUser:
    user: User
    password: str | None  # the generated one-time password, shown once; None when the caller chose it


@dataclass(frozen=True)
class Token:
    id: int
    name: str
    prefix: str
    role: str
    created_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


@dataclass(frozen=True)
class NewToken:
    token: Token
    secret: str  # the whole token, shown once


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _session_key(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def _user(row: object) -> User:
    m = row._mapping  # type: ignore[attr-defined]
    return User(
        id=m["id"],
        username=m["username"],
        display_name=m["display_name"],
        email=m["email"],
        role=m["role"],
        locale=m["locale"],
        is_active=bool(m["is_active"]),
        must_change_password=bool(m["must_change_password"]),
        last_login_at=m["last_login_at"],
        created_at=m["created_at"],
        session_key=_session_key(m["password_hash"]),
    )


def _check_role(role: str) -> None:
    if role not in {r.value for r in Role}:
        raise TenbinError(
            USER_ROLE_INVALID, {"role": role, "roles": ", ".join(r.value for r in Role)}, Place(field="role")
        )


def _check_password(username: str, password: str) -> None:
    if len(password) < MIN_LENGTH or password.casefold() == username.casefold():
        raise TenbinError(USER_PASSWORD_WEAK, {"min": MIN_LENGTH}, Place(field="password"))


def _find(conn: Connection, username: str) -> object:
    row = conn.execute(select(users_t).where(users_t.c.username == username)).first()
    if row is None:
        raise TenbinError(USER_NOT_FOUND, {"username": username}, Place(field="username"))
    return row


# -- users ------------------------------------------------------------------------------------------
def count_users(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(users_t)).scalar_one())


def add_user(
    engine: Engine,
    *,
    username: str,
    role: str,
    actor: str,
    password: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
    locale: str = "ja",
) -> NewUser:
    """Create a user. Without ``password`` a one-time password is generated (to change at first sign-in)."""
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise TenbinError(USER_NAME_INVALID, {"username": username}, Place(field="username"))
    _check_role(role)
    generated = password is None
    secret = generate_password() if password is None else password
    _check_password(username, secret)
    with write_transaction(engine) as conn:
        if conn.execute(select(users_t.c.id).where(users_t.c.username == username)).first() is not None:
            raise TenbinError(USER_EXISTS, {"username": username}, Place(field="username"))
        new_id = conn.execute(
            insert(users_t)
            .values(
                username=username,
                display_name=display_name or None,
                email=email or None,
                password_hash=hash_password(secret),
                role=role,
                locale="en" if locale == "en" else "ja",
                is_active=True,
                must_change_password=generated,
            )
            .returning(users_t.c.id)
        ).scalar_one()
        audit.record(conn, actor=actor, action="user.add", entity="user", entity_id=username, detail={"role": role})
        user = _user(conn.execute(select(users_t).where(users_t.c.id == new_id)).one())
    return NewUser(user, secret if generated else None)


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(users_t).order_by(users_t.c.username))]


def get_user(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(users_t).where(users_t.c.id == user_id)).first()
    return None if row is None else _user(row)


def _active_admins(conn: Connection) -> int:
    query = select(func.count()).where(users_t.c.role == Role.ADMIN.value, users_t.c.is_active.is_(True))
    return int(conn.execute(query).scalar_one())


def set_role(engine: Engine, *, username: str, role: str, actor: str) -> User:
    _check_role(role)
    with write_transaction(engine) as conn:
        row = _find(conn, username)
        old = row._mapping["role"]  # type: ignore[attr-defined]
        if old == Role.ADMIN.value and role != Role.ADMIN.value and _active_admins(conn) <= 1:
            raise TenbinError(USER_LAST_ADMIN, {"username": username}, Place(field="role"))
        conn.execute(update(users_t).where(users_t.c.username == username).values(role=role, updated_at=_now()))
        # a token may not outlive a narrowing of its user's role
        conn.execute(
            update(tokens_t)
            .where(tokens_t.c.user_id == row._mapping["id"], tokens_t.c.revoked_at.is_(None))  # type: ignore[attr-defined]
            .values(role=role)
        )
        audit.record(
            conn,
            actor=actor,
            action="user.set_role",
            entity="user",
            entity_id=username,
            detail={"from": old, "to": role},
        )
        return _user(_find(conn, username))


def set_active(engine: Engine, *, username: str, active: bool, actor: str) -> User:
    with write_transaction(engine) as conn:
        row = _find(conn, username)
        m = row._mapping  # type: ignore[attr-defined]
        if not active and m["role"] == Role.ADMIN.value and m["is_active"] and _active_admins(conn) <= 1:
            raise TenbinError(USER_LAST_ADMIN, {"username": username})
        conn.execute(update(users_t).where(users_t.c.username == username).values(is_active=active, updated_at=_now()))
        action = "user.activate" if active else "user.deactivate"
        audit.record(conn, actor=actor, action=action, entity="user", entity_id=username)
        return _user(_find(conn, username))


def reset_password(engine: Engine, *, username: str, actor: str) -> str:
    """Give the user a new one-time password (returned, shown once); their sessions end."""
    secret = generate_password()
    with write_transaction(engine) as conn:
        _find(conn, username)
        conn.execute(
            update(users_t)
            .where(users_t.c.username == username)
            .values(password_hash=hash_password(secret), must_change_password=True, updated_at=_now())
        )
        audit.record(conn, actor=actor, action="user.reset_password", entity="user", entity_id=username)
    return secret


def generate_one_time_password() -> str:
    return generate_password()


def set_password(engine: Engine, *, username: str, password: str, actor: str) -> None:
    """Set a password chosen by a trusted caller (the demo); it need not be changed at sign-in."""
    _check_password(username, password)
    with write_transaction(engine) as conn:
        _find(conn, username)
        conn.execute(
            update(users_t)
            .where(users_t.c.username == username)
            .values(
                password_hash=hash_password(password), must_change_password=False, is_active=True, updated_at=_now()
            )
        )
        audit.record(conn, actor=actor, action="user.set_password", entity="user", entity_id=username)


def change_password(engine: Engine, *, user_id: int, current: str, new: str) -> User:
    with write_transaction(engine) as conn:
        row = conn.execute(select(users_t).where(users_t.c.id == user_id)).one()
        m = row._mapping
        if not verify_password(m["password_hash"], current):
            raise TenbinError(AUTH_INVALID, {}, Place(field="current_password"))
        _check_password(m["username"], new)
        conn.execute(
            update(users_t)
            .where(users_t.c.id == user_id)
            .values(password_hash=hash_password(new), must_change_password=False, updated_at=_now())
        )
        audit.record(conn, actor=m["username"], action="user.change_password", entity="user", entity_id=m["username"])
        return _user(conn.execute(select(users_t).where(users_t.c.id == user_id)).one())


def set_locale(engine: Engine, *, user_id: int, locale: str) -> None:
    with write_transaction(engine) as conn:
        conn.execute(update(users_t).where(users_t.c.id == user_id).values(locale="en" if locale == "en" else "ja"))


# -- sign-in -----------------------------------------------------------------------------------------
def _recent_failures(conn: Connection, column: Column[str], value: str, since: dt.datetime) -> int:
    query = select(func.count()).where(
        column == value,
        schema.login_attempts.c.succeeded.is_(False),
        schema.login_attempts.c.at >= since,
    )
    return int(conn.execute(query).scalar_one())


def authenticate(
    engine: Engine, *, username: str, password: str, address: str | None, now: dt.datetime | None = None
) -> User:
    """The user, when the password is right and sign-ins are not throttled; every attempt is counted.

    Throttling: after 5 failures for a username, or 30 from one address, within 15 minutes,
    further attempts are refused (AUTH_RATE_LIMITED) until the window passes, right or wrong.
    """
    now = now or _now()
    since = now - FAILURE_WINDOW
    attempts = schema.login_attempts
    username = username.strip()[:100]
    with write_transaction(engine) as conn:
        limited = _recent_failures(conn, attempts.c.username, username, since) >= MAX_FAILURES_PER_USER or (
            address is not None
            and _recent_failures(conn, attempts.c.address, address, since) >= MAX_FAILURES_PER_ADDRESS
        )
        row = conn.execute(select(users_t).where(users_t.c.username == username)).first()
        ok = (
            not limited
            and verify_password(row._mapping["password_hash"] if row else None, password)
            and row is not None
            and bool(row._mapping["is_active"])
        )
        conn.execute(insert(attempts).values(username=username, address=address, at=now, succeeded=ok))
        if ok and row is not None:
            values: dict[str, object] = {"last_login_at": now}
            if needs_rehash(row._mapping["password_hash"]):
                values["password_hash"] = hash_password(password)
            conn.execute(update(users_t).where(users_t.c.id == row._mapping["id"]).values(**values))
            conn.execute(attempts.delete().where(attempts.c.at < now - dt.timedelta(days=30)))
            return _user(conn.execute(select(users_t).where(users_t.c.id == row._mapping["id"])).one())
    if limited:
        raise TenbinError(AUTH_RATE_LIMITED, {"minutes": int(FAILURE_WINDOW.total_seconds() // 60)})
    raise TenbinError(AUTH_INVALID, {})


def ensure_first_admin(engine: Engine) -> NewUser | None:
    """On a workspace with no users, create ``admin`` with a one-time password (returned once)."""
    if count_users(engine):
        return None
    return add_user(engine, username="admin", role=Role.ADMIN.value, actor="system")


# -- API tokens --------------------------------------------------------------------------------------
def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _token(row: object) -> Token:
    m = row._mapping  # type: ignore[attr-defined]
    return Token(m["id"], m["name"], m["prefix"], m["role"], m["created_at"], m["last_used_at"], m["revoked_at"])


def create_token(engine: Engine, *, user_id: int, name: str, scope: str | None = None) -> NewToken:
    """A personal API token (``tbn_`` + 40 random characters); stored as its SHA-256 only."""
    with write_transaction(engine) as conn:
        user = _user(conn.execute(select(users_t).where(users_t.c.id == user_id)).one())
        scope = scope or user.role
        _check_role(scope)
        if not within(scope, user.role):
            raise TenbinError(TOKEN_SCOPE_EXCEEDS_ROLE, {"scope": scope, "role": user.role}, Place(field="scope"))
        secret = TOKEN_PREFIX + secrets.token_urlsafe(30)
        prefix = secret[: len(TOKEN_PREFIX) + 6]
        token_id = conn.execute(
            insert(tokens_t)
            .values(
                user_id=user_id, name=(name or "token")[:100], prefix=prefix, token_hash=_hash_token(secret), role=scope
            )
            .returning(tokens_t.c.id)
        ).scalar_one()
        audit.record(
            conn,
            actor=user.username,
            action="token.create",
            entity="api_token",
            entity_id=token_id,
            detail={"name": name, "scope": scope},
        )
        token = _token(conn.execute(select(tokens_t).where(tokens_t.c.id == token_id)).one())
    return NewToken(token, secret)


def list_tokens(engine: Engine, *, user_id: int) -> list[Token]:
    with engine.connect() as conn:
        query = select(tokens_t).where(tokens_t.c.user_id == user_id).order_by(tokens_t.c.id.desc())
        return [_token(r) for r in conn.execute(query)]


def revoke_token(engine: Engine, *, user_id: int, token_id: int) -> None:
    with write_transaction(engine) as conn:
        row = conn.execute(select(tokens_t).where(tokens_t.c.id == token_id, tokens_t.c.user_id == user_id)).first()
        if row is None:
            raise TenbinError(TOKEN_NOT_FOUND, {"token_id": token_id})
        if row._mapping["revoked_at"] is None:
            conn.execute(update(tokens_t).where(tokens_t.c.id == token_id).values(revoked_at=_now()))
            username = conn.execute(select(users_t.c.username).where(users_t.c.id == user_id)).scalar_one()
            audit.record(conn, actor=username, action="token.revoke", entity="api_token", entity_id=token_id)


def user_for_token(engine: Engine, secret: str) -> tuple[User, str]:
    """The token's active user and the token's scope (role); AUTH_TOKEN_INVALID otherwise."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise TenbinError(AUTH_TOKEN_INVALID, {})
    with engine.connect() as conn:
        row = conn.execute(
            select(
                tokens_t.c.id.label("token_id"),
                tokens_t.c.role.label("scope"),
                tokens_t.c.last_used_at.label("token_used_at"),
                users_t,
            )
            .join(users_t, users_t.c.id == tokens_t.c.user_id)
            .where(and_(tokens_t.c.token_hash == _hash_token(secret), tokens_t.c.revoked_at.is_(None)))
        ).first()
    if row is None or not row._mapping["is_active"]:
        raise TenbinError(AUTH_TOKEN_INVALID, {})
    m = row._mapping
    now = _now()
    if m["token_used_at"] is None or now - m["token_used_at"] > dt.timedelta(minutes=5):  # not a write per request
        with write_transaction(engine) as conn:
            conn.execute(update(tokens_t).where(tokens_t.c.id == m["token_id"]).values(last_used_at=now))
    return _user(row), str(m["scope"])
