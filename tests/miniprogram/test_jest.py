"""The WeChat mini-program (miniprogram/): its jest + miniprogram-simulate tests run against
this suite's real app server, seeded here; the test fails with jest's output when jest fails.

Node and the npm packages come from scripts/bootstrap.sh --test (`npm ci` on the lockfile).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from server.meetings.lifecycle import add_outcome
from server.people.services import issue_api_token
from tests.conftest import ROOT
from tests.dispatch.conftest import make_user
from tests.factories import make_district
from tests.intake.factories import categories, jpeg_bytes
from tests.meetings.factories import make_meeting, make_poll

MINIPROGRAM = ROOT / "miniprogram"
JEST_TIMEOUT_SECONDS = 600


def _seed(tmp_path: Path, live_server: Any, wechat: Any) -> Path:
    d = make_district()
    cats = categories()
    moderator = make_user("moderator", site_id=d.site_a.id)
    dispatcher = make_user("dispatcher", unit_id=d.town.id)
    handler = make_user("handler", department_id=d.department.id)
    meeting = make_meeting(d.site_a, title="黄庄村农路修缮协商会", location="黄庄村委会议事室",
                           presence_check=True)
    poll = make_poll(moderator, meeting, title="是否同意先修东西向农路")
    outcome = add_outcome(moderator, meeting.id, "先修东西向农路，年底前完工")
    # An online meeting (no presence code) for the ballot-retry journey.
    online = make_meeting(d.site_a, title="路灯安装网上协商", online=True, presence_check=False)
    online_poll = make_poll(moderator, online, title="是否同意安装路灯")
    photo = tmp_path / "road.jpg"
    photo.write_bytes(jpeg_bytes((1600, 1200), color="olive"))
    seed = {
        "site": {"code": d.site_a.code, "name": d.site_a.name},
        "categories": {name: c.id for name, c in cats.items()},
        "department_id": d.department.id,
        "meeting": {"id": meeting.id, "code": meeting.code, "title": meeting.title},
        "poll": {"id": poll.id, "options": [{"id": o.id, "label": o.label}
                                            for o in poll.options]},
        "outcome_id": outcome.id,
        "online_meeting": {"id": online.id, "code": online.code},
        "online_poll": {"id": online_poll.id, "options": [o.id for o in online_poll.options]},
        "tokens": {"moderator": issue_api_token(moderator)[0],
                   "dispatcher": issue_api_token(dispatcher)[0],
                   "handler": issue_api_token(handler)[0]},
        "photo": str(photo),
        "templates": {"accepted": "TPL_CASE_ACCEPTED", "answered": "TPL_CASE_ANSWERED",
                      "meeting_published": "TPL_MEETING_PUBLISHED"},
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.timeout(JEST_TIMEOUT_SECONDS + 120)
def test_miniprogram_pages_against_the_real_server(live_server: Any, wechat: Any,
                                                   tmp_path: Path) -> None:
    npx = shutil.which("npx")
    if npx is None or not (MINIPROGRAM / "node_modules" / ".bin" / "jest").exists():
        pytest.fail("node or the mini-program's npm packages are missing: "
                    "run ./scripts/bootstrap.sh --test (npm ci in miniprogram/)")
    seed = _seed(tmp_path, live_server, wechat)
    env = {**os.environ, "SL_API_BASE": live_server.url, "SL_SEED": str(seed),
           "SL_WECHAT_BASE": wechat.base_url, "CI": "true", "FORCE_COLOR": "0"}
    try:
        result = subprocess.run(
            # SL_JEST_ARGS: e.g. a test file, to run part of it while working on it.
            [npx, "--no-install", "jest", "--runInBand", "--ci",
             *os.environ.get("SL_JEST_ARGS", "").split()],
            cwd=MINIPROGRAM, env=env, capture_output=True, text=True,
            timeout=JEST_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"jest did not finish in {JEST_TIMEOUT_SECONDS} s; output so far:\n"
                    f"{exc.stdout or ''}\n{exc.stderr or ''}")
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"jest failed (exit {result.returncode}):\n{output}"
    assert "Tests:" in output and " failed" not in output.split("Tests:")[-1].splitlines()[0], \
        output
