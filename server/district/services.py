"""What the import's routes and command call: run it, and hand new passwords out once."""

from __future__ import annotations

import base64
import io
import secrets

from openpyxl import Workbook
from openpyxl.styles import Font

from server.district import keys
from server.district.importer import run_import
from server.district.results import Credential, Result
from server.district.workbook import read_workbook
from server.errors import NotFound
from server.extensions import get_redis
from server.people.models import User

CREDENTIAL_HEADERS = ["用户名", "姓名", "角色", "临时密码"]


def import_workbook(data: bytes, actor: User, *, dry_run: bool) -> Result:
    """Read and import a workbook as the actor (all rows or none); raise ImportInvalid."""
    return run_import(read_workbook(data), actor, dry_run=dry_run)


def credentials_workbook(credentials: list[Credential]) -> bytes:
    """Build the XLSX of new accounts and their temporary passwords."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "新账号临时密码"
    ws.append(CREDENTIAL_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for c in credentials:
        ws.append([c.username, c.display_name, c.roles, c.temporary_password])
    ws.append([])
    ws.append(["临时密码首次登录后必须修改；请逐一当面或通过可靠渠道告知本人，分发后删除本文件。"])
    for letter, width in zip("ABCD", (18, 12, 24, 24), strict=True):
        ws.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def keep_credentials_once(credentials: list[Credential]) -> str | None:
    """Keep the credentials workbook for one download (an hour at most); return its token."""
    if not credentials:
        return None
    token = secrets.token_urlsafe(24)
    # Base64: the shared client decodes replies as text.
    data = base64.b64encode(credentials_workbook(credentials)).decode("ascii")
    get_redis().set(keys.credentials(token), data, ex=keys.CREDENTIALS_TTL_SECONDS)
    return token


def take_credentials(token: str) -> bytes:
    """Return the credentials workbook and forget it (GETDEL: a second download finds nothing)."""
    data = get_redis().getdel(keys.credentials(token))
    if not data:
        raise NotFound("该临时密码文件已下载过或已过期（只能下载一次）",
                       code="credentials_gone")
    return base64.b64decode(data)
