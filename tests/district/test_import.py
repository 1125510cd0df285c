"""The district import: every problem by sheet, row and column; all rows or none; re-runs."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from server.district.workbook import SHEETS, read_workbook, template_bytes
from server.extensions import db
from server.people.accounts import create_admin
from server.people.models import User
from server.sites.models import Site, Unit
from tests.district.workbook_factory import county
from tests.factories import login, make_district, make_user

PASSWORD = "Zq8-lantern-river"


def _upload(client, data: bytes, dry_run: bool):
    return client.post(f"/api/v1/district/import?dry_run={str(dry_run).lower()}",
                       data={"file": (io.BytesIO(data), "book.xlsx")},
                       content_type="multipart/form-data")


def _admin_client(app):
    admin = create_admin("chief", "管理员", PASSWORD)
    client = app.test_client()
    csrf = login(client, admin, PASSWORD)
    client.environ_base["HTTP_X_CSRF_TOKEN"] = csrf
    return client


def test_template_has_instructions_headers_and_an_example_row(app):
    client = _admin_client(app)
    response = client.get("/api/v1/district/import/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["说明", *[s.name for s in SHEETS]]
    assert book["单位"]["A1"].value == "编码 *" and book["单位"]["B2"].value == "示例镇"
    assert "不会悄悄删除" in "\n".join(str(c.value) for c in book["说明"]["A"])
    # The untouched example rows are skipped: the template alone imports nothing.
    assert all(not rows for rows in read_workbook(template_bytes()).rows.values())


def test_every_problem_is_reported_by_sheet_row_and_column_and_nothing_is_written(app):
    client = _admin_client(app)
    c = county(towns=2, villages=3)
    c.sheets["单位"][3][2] = "NOPE"                # village with an unknown parent
    c.sheets["点位"][1][5] = 123.0                 # latitude out of range
    c.sheets["工作人员"][0][3] = "大队长"           # unknown role
    c.sheets["工作人员"].append(["x y", "某人", "", "调度员", "ZZ99", ""])
    c.sheets["节假日"][0][0] = "2027-13-01"
    answer = _upload(client, c.xlsx(), dry_run=False)
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["code"] == "import_invalid" and "未写入任何数据" in body["message"]
    where = {(p["sheet"], p["row"], p["column"]) for p in body["errors"]["problems"]}
    assert ("单位", 5, "上级编码") in where
    assert ("点位", 3, "纬度") in where
    assert ("工作人员", 2, "角色") in where
    last = len(c.sheets["工作人员"]) + 1
    assert {("工作人员", last, "用户名"), ("工作人员", last, "范围")} <= where
    assert ("节假日", 2, "日期") in where
    assert all(p["text"].startswith(p["sheet"]) for p in body["errors"]["problems"])
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_reimport_changes_nothing_and_retiring_takes_the_column(app):
    client = _admin_client(app)
    c = county(towns=2, villages=3)
    assert _upload(client, c.xlsx(), dry_run=False).status_code == 200
    snapshot = sorted((s.code, s.name, s.active) for s in db.session.scalars(select(Site)))
    assert len(snapshot) == 8
    # Rows left out are not deleted: a shorter workbook changes nothing.
    short = county(towns=2, villages=3)
    short.sheets["点位"] = short.sheets["点位"][:2]
    again = _upload(client, short.xlsx(), dry_run=False).get_json()
    assert again["sheets"]["点位"] == {"created": 0, "updated": 0, "unchanged": 2, "retired": 0}
    assert sorted((s.code, s.name, s.active) for s in db.session.scalars(select(Site))) \
        == snapshot
    # Retiring a unit with a site still in use is refused; retiring both works.
    village = db.session.scalar(select(Unit).where(Unit.code == "QX01003"))
    site = db.session.scalar(select(Site).where(Site.unit_id == village.id))
    retire = county(towns=2, villages=3)
    retire.sheets = {"单位": [["QX01003", village.name, "QX01", "村", None, 3, "是"]]}
    refused = _upload(client, retire.xlsx(), dry_run=True)
    assert refused.status_code == 422
    assert any(p["column"] == "撤销" and site.code in p["message"]
               for p in refused.get_json()["errors"]["problems"])
    retire.sheets["点位"] = [[site.code, site.name, "QX01003", "", "", None, None, None, "", "",
                            "是"]]
    done = _upload(client, retire.xlsx(), dry_run=False)
    assert done.status_code == 200, done.get_json()
    db.session.expire_all()
    assert db.session.get(Site, site.id).active is False  # kept, not deleted
    assert db.session.get(Unit, village.id).active is False


def test_only_district_wide_admins_import(app):
    c = county(towns=1, villages=1)
    d = make_district()
    for user in (make_user("admin", unit_id=d.town.id), make_user("supervisor")):
        client = app.test_client()
        client.environ_base["HTTP_X_CSRF_TOKEN"] = login(client, user)
        refused = _upload(client, c.xlsx(), dry_run=True)
        assert refused.status_code == 403, user.username
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 6


def test_the_command_imports_and_writes_the_credentials_once(app, tmp_path: Path):
    create_admin("chief", "管理员", PASSWORD)
    c = county(towns=1, villages=2)
    path = tmp_path / "county.xlsx"
    path.write_bytes(c.xlsx())
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["district", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "试运行" in dry.output and db.session.scalar(
        select(func.count()).select_from(Unit)) == 0
    missing = runner.invoke(args=["district", "import", str(path)])
    assert missing.exit_code != 0 and "--credentials" in missing.output
    out = tmp_path / "credentials.xlsx"
    done = runner.invoke(args=["district", "import", str(path), "--credentials", str(out)])
    assert done.exit_code == 0, done.output
    rows = list(load_workbook(out)["新账号临时密码"].iter_rows(values_only=True))
    assert rows[0] == ("用户名", "姓名", "角色", "临时密码")
    assert {r[0] for r in rows[1:] if r[0] and r[3]} == {
        "qx_dispatch", "qx_supervisor", "qx_jt", "qx01_1", "qx01_2", "qx01_3"}
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 4
