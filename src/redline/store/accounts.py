"""Users, API tokens and the audit log of the web app.

Passwords are hashed with Argon2id (argon2-cffi); API tokens are random and only
their SHA-256 is stored, so a leaked database gives away neither. The audit log
is append-only (a database trigger refuses UPDATE and DELETE): logins, failed
logins, revealing a buyer's phone or address, user and token changes.

Roles:

* ``admin`` — everything, plus users and rule packs;
* ``supervisor`` — the whole shop: QA, cases, ledger, metrics, alerts, imports;
* ``agent`` — their own findings (``agent_account`` = their chat account) and the
  reply checker.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from redline.store.base import Base

ROLES = ("admin", "supervisor", "agent")
ROLE_ZH = {"admin": "管理员", "supervisor": "主管", "agent": "客服"}
TOKEN_PREFIX = "rl_"

_hasher = PasswordHasher()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(Text)
    agent_account: Mapped[str | None] = mapped_column(String(120))  # chat account (agents)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    # Bumped when the password changes or the user is disabled: old sessions die.
    session_epoch: Mapped[int] = mapped_column(default=0)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str | None] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Append-only: who did what, when (logins, reveals, user and token changes)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(30), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)


class AccountError(ValueError):
    """A user or token operation that cannot be done (message in Chinese)."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: what the web layer needs to know about a logged-in user."""

    id: int
    name: str
    role: str
    agent_account: str | None
    epoch: int

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_shop(self) -> bool:
        return self.role in ("admin", "supervisor")


def _now() -> datetime:
    return datetime.now(UTC)


def _principal(u: User) -> Principal:
    return Principal(u.id, u.name, u.role, u.agent_account, u.session_epoch)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 80 or any(c.isspace() or ord(c) < 32 for c in name):
        raise AccountError("用户名不能为空、不能含空白字符，最长 80 个字符")
    return name


def check_password(password: str) -> str:
    if len(password) < 8:
        raise AccountError("密码至少 8 个字符")
    if len(password) > 256:
        raise AccountError("密码最长 256 个字符")
    return password


def add_user(
    s: Session,
    name: str,
    role: str,
    password: str,
    agent_account: str | None = None,
    actor: str = "cli",
) -> Principal:
    name = check_name(name)
    if role not in ROLES:
        raise AccountError(f"未知角色 {role!r}，可选：{', '.join(ROLES)}")
    check_password(password)
    if s.scalar(select(User.id).where(User.name == name)) is not None:
        raise AccountError(f"用户 {name} 已存在")
    account = agent_account or (name if role == "agent" else None)
    if account is not None:
        # Findings, appeals and KPIs belong to the chat account: two logins on one
        # account would see, and answer for, each other's chats.
        holder = s.scalar(
            select(User.name).where(User.agent_account == account, User.disabled_at.is_(None))
        )
        if holder is not None:
            raise AccountError(
                f"客服账号 {account} 已绑定用户 {holder}：一个客服账号只能对应一个登录用户"
                f"（如需转交，先停用 {holder}） (chat account already bound to {holder})"
            )
    u = User(
        name=name,
        role=role,
        password_hash=hash_password(password),
        agent_account=account,
        created_at=_now(),
        session_epoch=0,
    )
    s.add(u)
    s.flush()
    audit(s, actor, "user_add", name, f"role={role}")
    return _principal(u)


def set_password(s: Session, name: str, password: str, actor: str = "cli") -> None:
    u = _user(s, name)
    u.password_hash = hash_password(check_password(password))
    u.session_epoch += 1
    audit(s, actor, "password_set", name, None)


def end_sessions(s: Session, user_id: int, actor: str, address: str | None = None) -> None:
    """Log out: bump the user's session epoch, so every cookie issued before (a
    copied one included) stops working at once, on the server."""
    u = s.get(User, user_id)
    if u is None:
        return
    u.session_epoch += 1
    audit(s, actor, "logout", u.name, address)


def disable_user(s: Session, name: str, actor: str = "cli") -> None:
    u = _user(s, name)
    u.disabled_at = _now()
    u.session_epoch += 1
    for t in s.scalars(select(ApiToken).where(ApiToken.user_id == u.id)):
        t.revoked_at = t.revoked_at or _now()
    audit(s, actor, "user_disable", name, None)


def list_users(s: Session) -> list[User]:
    return list(s.scalars(select(User).order_by(User.name)))


def _user(s: Session, name: str) -> User:
    u = s.scalar(select(User).where(User.name == name))
    if u is None:
        raise AccountError(f"没有用户 {name}")
    return u


@dataclass(frozen=True)
class LoginCheck:
    """The outcome of a password check: the user when it matched, and whether their
    stored hash should be upgraded to the hasher's current parameters."""

    principal: Principal | None
    rehash: bool = False


def check_login(s: Session, name: str, password: str) -> LoginCheck:
    """Whether ``password`` is that enabled user's. Reads only: the caller audits it
    (:func:`redline.store.audit.record`), so a login never waits for the write lock."""
    u = s.scalar(select(User).where(User.name == name.strip()))
    ok = False
    if u is not None and u.disabled_at is None:
        try:
            ok = _hasher.verify(u.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
    else:
        # Spend the same time on an unknown name, so timing does not tell names apart.
        with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
            _hasher.verify(_DUMMY_HASH, password)
    if not ok or u is None:
        return LoginCheck(None)
    return LoginCheck(_principal(u), _hasher.check_needs_rehash(u.password_hash))


def rehash(s: Session, user_id: int, password: str) -> None:
    """Store ``password`` under the hasher's current parameters (after a login)."""
    u = s.get(User, user_id)
    if u is not None:
        u.password_hash = hash_password(password)


_DUMMY_HASH = _hasher.hash("redline-dummy-password")


def principal_by_id(s: Session, user_id: int) -> Principal | None:
    u = s.get(User, user_id)
    if u is None or u.disabled_at is not None:
        return None
    return _principal(u)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(s: Session, name: str, label: str | None = None, actor: str = "cli") -> str:
    """A new API token for user ``name``; only its hash is kept, so show it once."""
    u = _user(s, name)
    if u.disabled_at is not None:
        raise AccountError(f"用户 {name} 已停用")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    s.add(ApiToken(user_id=u.id, label=label, token_hash=_token_hash(token), created_at=_now()))
    audit(s, actor, "token_create", name, label)
    return token


def revoke_tokens(s: Session, name: str, actor: str = "cli") -> int:
    u = _user(s, name)
    n = 0
    for t in s.scalars(
        select(ApiToken).where(ApiToken.user_id == u.id, ApiToken.revoked_at.is_(None))
    ):
        t.revoked_at = _now()
        n += 1
    audit(s, actor, "token_revoke", name, f"{n}")
    return n


def principal_by_token(s: Session, token: str) -> Principal | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = s.execute(
        select(User, ApiToken.revoked_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _token_hash(token))
    ).first()
    if row is None or row[1] is not None or row[0].disabled_at is not None:
        return None
    return _principal(row[0])


def audit(
    s: Session,
    actor: str,
    action: str,
    target: str | None,
    detail: str | None,
    at: datetime | None = None,
) -> None:
    s.add(
        AuditEvent(
            at=at or _now(),
            actor=actor[:80],
            action=action,
            target=None if target is None else target[:200],
            detail=detail,
        )
    )


def audit_log(s: Session, limit: int = 200, action: str | None = None) -> list[AuditEvent]:
    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        q = q.where(AuditEvent.action == action)
    return list(s.scalars(q))
