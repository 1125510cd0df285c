"""A local stand-in for WeChat's servers, speaking their documented JSON and errcodes."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

# js_code values the fake understands; anything else is treated as a valid fresh code.
ERRORS = {
    "invalid-code": (40029, "invalid code"),
    "used-code": (40163, "code been used"),
    "rate-limited": (45011, "api minute-quota reach limit"),
    "busy": (-1, "system error"),
}


def build_fake(appid: str, secret: str) -> Flask:
    """Build the fake WeChat app; it records every call in app.config["CALLS"]."""
    app = Flask("fake_wechat")
    calls: list[dict[str, Any]] = []
    app.config["CALLS"] = calls
    app.config["SEC_CHECK"] = {}  # text -> suggest (pass | review | risky)

    @app.get("/sns/jscode2session")
    def jscode2session() -> Any:
        args = request.args.to_dict()
        calls.append({"path": "jscode2session", **args})
        if args.get("appid") != appid or args.get("secret") != secret:
            return jsonify(errcode=40125, errmsg="invalid appsecret")
        code = args.get("js_code", "")
        if code in ERRORS:
            errcode, errmsg = ERRORS[code]
            return jsonify(errcode=errcode, errmsg=errmsg)
        # The same user always gets the same openid: derive it from the code's user part.
        user = code.split(":", 1)[0]
        openid = "o" + hashlib.sha1(user.encode()).hexdigest()[:27]
        return jsonify(openid=openid, session_key="fake-session-key==", unionid=None)

    @app.post("/cgi-bin/stable_token")
    def stable_token() -> Any:
        body = request.get_json(force=True)
        calls.append({"path": "stable_token", **body})
        if body.get("appid") != appid or body.get("secret") != secret:
            return jsonify(errcode=40125, errmsg="invalid appsecret")
        return jsonify(access_token="FAKE_ACCESS_TOKEN", expires_in=7200)

    @app.post("/wxa/msg_sec_check")
    def msg_sec_check() -> Any:
        body = request.get_json(force=True)
        calls.append({"path": "msg_sec_check", **body})
        suggest = app.config["SEC_CHECK"].get(body.get("content", ""), "pass")
        label = {"pass": 100, "review": 20001, "risky": 20001}[suggest]
        return jsonify(errcode=0, errmsg="ok", result={"suggest": suggest, "label": label},
                       detail=[], trace_id="fake")

    @app.post("/cgi-bin/message/subscribe/send")
    def subscribe_send() -> Any:
        body = request.get_json(force=True)
        calls.append({"path": "subscribe_send", **body})
        if body.get("touser") == "o-refuses":
            return jsonify(errcode=43101, errmsg="user refuse to accept the msg")
        return jsonify(errcode=0, errmsg="ok")

    @app.get("/__calls")
    def recorded_calls() -> Any:
        """Not WeChat's: lets a test in another process (the mini-program's jest) read calls."""
        return jsonify(calls)

    @app.post("/wxa/getwxacodeunlimit")
    def getwxacodeunlimit() -> Any:
        body = request.get_json(force=True)
        calls.append({"path": "getwxacodeunlimit", **body})
        if len(body.get("scene", "")) > 32:
            return jsonify(errcode=40169, errmsg="invalid length for scene")
        from io import BytesIO

        from PIL import Image

        buffer = BytesIO()
        Image.new("RGB", (430, 430), "white").save(buffer, "PNG")
        return buffer.getvalue(), 200, {"Content-Type": "image/png"}

    return app


class FakeWeChatServer:
    """Serve the fake on a free loopback port in a thread."""

    def __init__(self, appid: str, secret: str) -> None:
        self.app = build_fake(appid, secret)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def calls(self) -> list[dict[str, Any]]:
        return self.app.config["CALLS"]

    def start(self) -> FakeWeChatServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
