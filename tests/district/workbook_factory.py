"""Workbooks for a made-up county (青溪县), filled in as a district office would."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook

from server.district.workbook import SHEETS

TOWN_STEMS = ("青石 白沙 柳塘 桃源 松岭 梅溪 竹林 杏花 稻香 枫桥 云雾 清泉 鹤鸣 龟山 荷塘 "
              "金沙 银杏 石桥 芦荡 凤岗").split()
VILLAGE_STEMS = ("东 西 南 北 上 下 前 后 大 小 新 老 高 低 长 中").split()
VILLAGE_TAILS = ("田 湾 岭 坪 坝 垸 洲 港 冲 坡 圩 墩 埠 岗 塘 汊").split()
DEPARTMENTS = [("QXJT", "青溪县交通运输局"), ("QXZJ", "青溪县住房和城乡建设局"),
               ("QXNY", "青溪县农业农村局"), ("QXMZ", "青溪县民政局"),
               ("QXCG", "青溪县城市管理局"), ("QXSW", "青溪县水利局")]
ROUTES = [("道路交通", "QXJT"), ("环境卫生", "QXCG"), ("养老服务", "QXMZ"),
          ("农业农村", "QXNY"), ("住房物业", "QXZJ"), ("其他", "QXMZ")]
HOLIDAYS = [("2027-01-01", "放假", "元旦"), ("2027-02-06", "放假", "春节"),
            ("2027-02-07", "放假", "春节"), ("2027-02-08", "放假", "春节"),
            ("2027-02-09", "放假", "春节"), ("2027-02-10", "放假", "春节"),
            ("2027-02-11", "放假", "春节"), ("2027-02-12", "放假", "春节"),
            ("2027-02-14", "上班", "春节调休"), ("2027-05-01", "放假", "劳动节"),
            ("2027-10-01", "放假", "国庆节"), ("2027-10-02", "放假", "国庆节"),
            ("2027-10-09", "上班", "国庆调休")]


@dataclass
class County:
    """What a generated workbook holds, to check against after an import."""

    sheets: dict[str, list[list[Any]]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """Count the data rows over every sheet."""
        return sum(len(r) for r in self.sheets.values())

    def xlsx(self) -> bytes:
        """Write the sheets (headers, then rows) as an XLSX workbook."""
        book = Workbook(write_only=True)
        for sheet in SHEETS:
            ws = book.create_sheet(sheet.name)
            ws.append([c.header + (" *" if c.required else "") for c in sheet.columns])
            for row in self.sheets.get(sheet.name, []):
                ws.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def county(towns: int = 10, villages: int = 20, staff_per_town: int = 3,
           extra_departments: int = 0, seed: int = 7) -> County:
    """Build a county: towns of villages, one room per village, departments, staff, routes."""
    rng = random.Random(seed)
    c = County()
    units = [["QX", "青溪县", "", "区", None, 0, ""]]
    sites: list[list[Any]] = []
    staff: list[list[Any]] = [
        ["qx_dispatch", "县政协调度员", "13900000001", "调度员", "全区", ""],
        ["qx_supervisor", "县政协督查员", "13900000002", "督查员", "全区", ""],
        ["qx_jt", "交通局办理人", "13900000003", "部门办理人", "QXJT", ""],
    ]
    used: set[str] = set()
    for t in range(1, towns + 1):
        town_code = f"QX{t:02d}"
        town_name = f"{TOWN_STEMS[(t - 1) % len(TOWN_STEMS)]}{'' if t <= 20 else t}镇"
        units.append([town_code, town_name, "QX", "镇", None, t, ""])
        sites.append(["", f"{town_name}协商议事示范点", town_code, "协商议事示范点",
                      f"青溪县{town_name}党群服务中心", 30 + rng.random(), 118 + rng.random(),
                      None, "0570-6000000", "是", ""])
        for v in range(1, villages + 1):
            while True:
                name = rng.choice(VILLAGE_STEMS) + rng.choice(VILLAGE_TAILS) + \
                    rng.choice(("村", "村", "社区"))
                if (town_code, name) not in used:
                    used.add((town_code, name))  # type: ignore[arg-type]
                    break
            code = f"{town_code}{v:03d}"
            kind = "社区" if name.endswith("社区") else "村"
            units.append([code, name, town_code, kind, rng.randint(1500, 6000), v, ""])
            sites.append(["", f"{name}协商议事室", code, "", f"青溪县{town_name}{name}",
                          round(30 + rng.random(), 6), round(118 + rng.random(), 6), None,
                          f"0570-6{rng.randint(100000, 999999)}", "", ""])
        for s in range(1, staff_per_town + 1):
            role, scope = [("系统管理员", town_code), ("调度员", town_code),
                           ("主持人", f"{town_code}001")][(s - 1) % 3]
            staff.append([f"qx{t:02d}_{s}", f"{town_name}工作人员{s}",
                          f"139{t:04d}{s:04d}", role, scope, ""])
    departments = [[code, name, "", "0570-6100000", "qx_jt" if code == "QXJT" else "", ""]
                   for code, name in DEPARTMENTS]
    departments += [[f"QXD{i:03d}", f"青溪县第{i}办公室", "", "", "", ""]
                    for i in range(1, extra_departments + 1)]
    c.sheets = {
        "单位": units, "点位": sites, "部门": departments, "工作人员": staff,
        "分派规则": [[cat, "", dept] for cat, dept in ROUTES],
        "节假日": [list(h) for h in HOLIDAYS],
    }
    return c
