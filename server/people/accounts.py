"""Staff accounts: create, edit, disable, reset, grant and revoke role × scope.

Only administrators manage accounts, and only within their own scope: a grant may be given
or taken only over a scope that one of the administrator's own admin grants covers (admin
being the highest role, an administrator may grant any role there, admin included). A town
administrator therefore manages the people whose every grant lies in the town, and cannot
grant anything district-wide. Each change is a request under /api/, so the audit hook keeps it;
the command-line administrator is recorded by the command itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, or_, select

from server.common.models import utcnow
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.people import passwords
from server.people.models import ROLES, Grant, User
from server.people.services import (
    UNUSABLE_PASSWORD,
    has_password,
    issue_temporary_password,
    set_password,
    set_temporary_password,
)
from server.people.sessions import revoke_everything
from server.sites.models import Department, Site, Unit

ADMIN = "admin"


class OutOfScope(Forbidden):
    code, message = "grant_out_of_scope", "不能授予超出自己管理范围的角色或范围"


class NotManageable(Forbidden):
    code, message = "account_out_of_scope", "该账号不在您的管理范围内"


@dataclass(frozen=True)
class GrantSpec:
    """A role over one scope: the whole district, a unit subtree, a department or a site."""

    role: str
    unit_id: int | None = None
    department_id: int | None = None
    site_id: int | None = None

    @property
    def district_wide(self) -> bool:
        """Tell whether the grant would cover the whole district."""
        return self.unit_id is None and self.department_id is None and self.site_id is None


def grant_spec(data: dict[str, Any]) -> GrantSpec:
    """Check a requested grant's shape and that its scope exists and is in use."""
    role = str(data.get("role") or "")
    if role not in ROLES:
        raise ValidationFailed(errors={"role": [f"未知角色：{role}"]})
    scope: dict[str, Any] = {k: data[k] for k in ("unit_id", "department_id", "site_id")
                             if data.get(k) is not None}
    if len(scope) > 1:
        raise ValidationFailed(errors={"scope": ["范围只能是一个单元、一个部门或一个点位"]})
    spec = GrantSpec(role, **{k: int(v) for k, v in scope.items()})
    if spec.unit_id is not None:
        unit = db.session.get(Unit, spec.unit_id)
        if unit is None or not unit.active:
            raise ValidationFailed(errors={"unit_id": ["单元不存在或已撤销"]})
    if spec.department_id is not None:
        dept = db.session.get(Department, spec.department_id)
        if dept is None or not dept.active:
            raise ValidationFailed(errors={"department_id": ["部门不存在或已停用"]})
    if spec.site_id is not None:
        site = db.session.get(Site, spec.site_id)
        if site is None or not site.active:
            raise ValidationFailed(errors={"site_id": ["点位不存在或已停用"]})
    return spec


# ---- the scope rule ----------------------------------------------------------------------


def _within(path: str | None, ancestor: Unit | None) -> bool:
    return path is not None and ancestor is not None and path.startswith(ancestor.path)


def _spec_path(spec: GrantSpec) -> str | None:
    """Return the unit path a scoped grant lies under (None for district-wide)."""
    if spec.unit_id is not None:
        unit = db.session.get(Unit, spec.unit_id)
        return unit.path if unit else None
    if spec.site_id is not None:
        site = db.session.get(Site, spec.site_id)
        return site.unit.path if site else None
    if spec.department_id is not None:
        dept = db.session.get(Department, spec.department_id)
        return dept.unit.path if dept and dept.unit else None
    return None


def admin_covers(actor: User, spec: GrantSpec) -> bool:
    """Tell whether one of the actor's admin grants covers the scope of a grant."""
    path = None if spec.district_wide else _spec_path(spec)
    for grant in actor.grants:
        if grant.role != ADMIN:
            continue
        if grant.district_wide:
            return True
        if spec.district_wide:
            continue
        if grant.unit is not None and _within(path, grant.unit):
            return True
        if grant.site_id is not None and grant.site_id == spec.site_id:
            return True
        if grant.department_id is not None and grant.department_id == spec.department_id:
            return True
    return False


def _spec_of(grant: Grant) -> GrantSpec:
    return GrantSpec(grant.role, grant.unit_id, grant.department_id, grant.site_id)


def can_manage(actor: User, user: User) -> bool:
    """Tell whether the actor may manage the account: every grant it holds is in scope."""
    if not any(g.role == ADMIN for g in actor.grants):
        return False
    if not user.grants:
        return any(g.role == ADMIN and g.district_wide for g in actor.grants)
    return all(admin_covers(actor, _spec_of(g)) for g in user.grants)


def _managed(actor: User, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("找不到该账号", code="account_not_found")
    if not can_manage(actor, user):
        raise NotManageable()
    return user


def _require_admin(actor: User) -> None:
    if not any(g.role == ADMIN for g in actor.grants):
        raise Forbidden("仅系统管理员可管理账号", code="admin_only")


def _check_grant(actor: User, spec: GrantSpec) -> None:
    if not admin_covers(actor, spec):
        if spec.district_wide:
            raise OutOfScope("您的管理范围不是全区，不能授予全区范围的角色")
        raise OutOfScope()


def _district_admins_left(excluding: User) -> int:
    return int(db.session.scalar(
        select(func.count(func.distinct(User.id))).join(Grant, Grant.user_id == User.id).where(
            User.active.is_(True), User.id != excluding.id, Grant.role == ADMIN,
            Grant.unit_id.is_(None), Grant.department_id.is_(None), Grant.site_id.is_(None))
    ) or 0)


def _is_district_admin(user: User) -> bool:
    return any(g.role == ADMIN and g.district_wide for g in user.grants)


# ---- listing -------------------------------------------------------------------------------


def _visible_condition(actor: User) -> Any:
    """SQL condition on User: accounts holding a grant inside one of the actor's admin scopes."""
    conditions = []
    for grant in actor.grants:
        if grant.role != ADMIN:
            continue
        if grant.district_wide:
            return None
        if grant.unit is not None:
            under = grant.unit.path
            units = select(Unit.id).where(Unit.path.startswith(under))
            conditions.append(exists().where(Grant.user_id == User.id, or_(
                Grant.unit_id.in_(units),
                Grant.site_id.in_(select(Site.id).where(Site.unit_id.in_(units))),
                Grant.department_id.in_(select(Department.id)
                                        .where(Department.unit_id.in_(units))))))
        if grant.site_id is not None:
            conditions.append(exists().where(Grant.user_id == User.id,
                                             Grant.site_id == grant.site_id))
        if grant.department_id is not None:
            conditions.append(exists().where(Grant.user_id == User.id,
                                             Grant.department_id == grant.department_id))
    return or_(*conditions) if conditions else User.id.is_(None)


def list_accounts(actor: User, *, q: str | None, active: bool | None, page: int,
                  per_page: int) -> tuple[list[User], int]:
    """List the accounts the actor's admin scope reaches, by username."""
    _require_admin(actor)
    query = select(User)
    condition = _visible_condition(actor)
    if condition is not None:
        query = query.where(condition)
    if q:
        like = f"%{q}%"
        query = query.where(or_(User.username.like(like), User.display_name.like(like)))
    if active is not None:
        query = query.where(User.active.is_(active))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(User.username)
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), int(total)


def get_account(actor: User, user_id: int) -> User:
    """Return an account the actor may see (any of its grants within the actor's scope)."""
    _require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("找不到该账号", code="account_not_found")
    condition = _visible_condition(actor)
    if condition is not None and db.session.scalar(
            select(User.id).where(User.id == user.id, condition)) is None:
        raise NotManageable()
    return user


# ---- changes -------------------------------------------------------------------------------


def new_account(username: str, display_name: str, phone: str | None,
                specs: list[GrantSpec], *, flush: bool = True) -> tuple[User, str]:
    """Add an account with a temporary password (no checks of who asks; the caller commits).

    With flush=False the caller has made sure the username is free and flushes itself
    (a bulk import adds thousands).
    """
    if flush and db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("用户名已被使用", code="username_taken",
                       errors={"username": ["用户名已被使用"]})
    user = User(username=username, display_name=display_name, phone=phone or None,
                password_hash=UNUSABLE_PASSWORD, active=True)
    user.grants = [Grant(role=s.role, unit_id=s.unit_id, department_id=s.department_id,
                         site_id=s.site_id) for s in specs]
    temporary = issue_temporary_password(user)
    db.session.add(user)
    if flush:
        db.session.flush()
    return user, temporary


def create_account(actor: User, data: dict[str, Any]) -> tuple[User, str]:
    """Create an account with grants in the actor's scope; return it and its temporary password."""
    _require_admin(actor)
    specs = [grant_spec(g) for g in data["grants"]]
    if not specs:
        raise ValidationFailed(errors={"grants": ["至少授予一个角色"]})
    for spec in specs:
        _check_grant(actor, spec)
    user, temporary = new_account(data["username"], data["display_name"], data.get("phone"),
                                  specs)
    db.session.commit()
    return user, temporary


def update_account(actor: User, user_id: int, data: dict[str, Any]) -> User:
    """Change an account's name or phone."""
    user = _managed(actor, user_id)
    for key in ("display_name", "phone"):
        if key in data:
            setattr(user, key, data[key] or (None if key == "phone" else user.display_name))
    db.session.commit()
    return user


def set_active(actor: User, user_id: int, active: bool) -> User:
    """Disable (ending every session and token at once) or enable an account."""
    user = _managed(actor, user_id)
    if not active:
        if user.id == actor.id:
            raise Conflict("不能停用自己的账号", code="cannot_disable_self")
        if _is_district_admin(user) and _district_admins_left(user) == 0:
            raise Conflict("这是最后一个全区管理员账号，不能停用", code="last_admin")
        revoke_everything(user)
    user.active = active
    db.session.commit()
    return user


def reset_password(actor: User, user_id: int) -> tuple[User, str]:
    """Give an account a temporary password (shown once) that must be changed at sign-in."""
    user = _managed(actor, user_id)
    if user.id == actor.id:
        raise Conflict("请在“修改密码”中修改自己的密码", code="cannot_reset_self")
    temporary = set_temporary_password(user)
    db.session.commit()
    return user, temporary


def add_grant(actor: User, user_id: int, data: dict[str, Any]) -> User:
    """Grant a role over a scope, both within the actor's own."""
    user = _managed(actor, user_id)
    spec = grant_spec(data)
    _check_grant(actor, spec)
    if any(_spec_of(g) == spec for g in user.grants):
        return user
    user.grants.append(Grant(role=spec.role, unit_id=spec.unit_id,
                             department_id=spec.department_id, site_id=spec.site_id))
    db.session.commit()
    return user


def remove_grant(actor: User, user_id: int, grant_id: int) -> User:
    """Revoke one grant within the actor's scope (never the last district administrator's)."""
    user = _managed(actor, user_id)
    grant = next((g for g in user.grants if g.id == grant_id), None)
    if grant is None:
        raise NotFound("找不到该授权", code="grant_not_found")
    if grant.role == ADMIN and grant.district_wide and user.active \
            and _district_admins_left(user) == 0 \
            and sum(1 for g in user.grants if g.role == ADMIN and g.district_wide) == 1:
        raise Conflict("这是最后一个全区管理员，不能撤销其管理员角色", code="last_admin")
    user.grants.remove(grant)
    # Whatever the revoked role allowed ends now, not when the session does.
    revoke_everything(user)
    db.session.commit()
    return user


def change_own_password(user: User, current: str, new: str) -> None:
    """Change the signed-in user's password after checking the current (or temporary) one."""
    temporary_ok = passwords.temporary_matches(user.temp_password_hash, current) and \
        user.temp_password_expires_at is not None and user.temp_password_expires_at > utcnow()
    if not temporary_ok and not has_password(user, current):
        raise ValidationFailed("当前密码不正确",
                               errors={"current_password": ["当前密码不正确"]})
    if new == current:
        raise ValidationFailed(errors={"password": ["新密码不能与当前密码相同"]})
    set_password(user, new)


def create_admin(username: str, display_name: str, password: str) -> User:
    """Create a district-wide administrator with a chosen password (the first one, by CLI)."""
    if not username.strip():
        raise ValidationFailed(errors={"username": ["请填写用户名"]})
    passwords.check_policy(password, username)
    user, _temporary = new_account(username.strip(), display_name or "系统管理员", None,
                                   [GrantSpec(ADMIN)])
    set_password(user, password)
    db.session.commit()
    return user


def accounts_with_demo_password() -> list[str]:
    """Return the usernames whose password is still the public demo password.

    Only accounts whose password never passed the policy (which refuses the demo password)
    are checked: each check is one Argon2 verification (~0.3 s here).
    """
    users = db.session.scalars(select(User).where(User.password_vetted.is_(False))
                               .order_by(User.username))
    checked: dict[str, bool] = {}  # the demo shares one hash between some accounts
    found = []
    for user in users:
        if user.password_hash not in checked:
            checked[user.password_hash] = any(has_password(user, p)
                                              for p in passwords.DEMO_PASSWORDS)
        if checked[user.password_hash]:
            found.append(user.username)
    return found


def move_department_grants(source_id: int, target_id: int) -> int:
    """Point grants over a merged department at the one it merged into (not committed)."""
    moved = 0
    for grant in db.session.scalars(select(Grant).where(Grant.department_id == source_id)):
        duplicate = db.session.scalar(select(Grant.id).where(
            Grant.user_id == grant.user_id, Grant.role == grant.role,
            Grant.department_id == target_id))
        if duplicate:
            db.session.delete(grant)
        else:
            grant.department_id = target_id
        moved += 1
    return moved
