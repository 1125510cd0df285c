"""The `scene` string of a WeChat mini-program code (wxacode.getUnlimited)."""

from __future__ import annotations

import re
from typing import Literal, get_args
from urllib.parse import unquote

SceneKind = Literal["site", "meeting"]

# WeChat's documented limits for `scene`: at most 32 visible characters from this set.
SCENE_MAX_LEN = 32
SCENE_CHARSET = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+")
_PREFIX: dict[str, str] = {"site": "s", "meeting": "m"}
_KIND: dict[str, SceneKind] = {"s": "site", "m": "meeting"}


def build_scene(kind: SceneKind, code: str) -> str:
    """Return the mini-program scene for a site or meeting code, e.g. "s=K7M2QX"."""
    if kind not in get_args(SceneKind):
        raise ValueError(f"未知类型 {kind!r}，应为 site 或 meeting / "
                         f"unknown kind {kind!r}, expected 'site' or 'meeting'")
    if not code:
        raise ValueError("编号不能为空 / code must not be empty")
    scene = f"{_PREFIX[kind]}={code}"
    _validate(scene)
    return scene


def parse_scene(scene: str) -> tuple[SceneKind, str]:
    """Return (kind, code) from a scene, accepting WeChat's URL-encoded form too."""
    # WeChat hands `scene` to the page URL-encoded ("s%3DK7M2QX"); '%' is outside the
    # scene charset, so decoding is never ambiguous. Twice covers a double-encoding proxy.
    for _ in range(2):
        if "%" not in scene:
            break
        scene = unquote(scene)
    _validate(scene)
    prefix, sep, code = scene.partition("=")
    if not sep or prefix not in _KIND or not code:
        raise ValueError(f"无法识别的场景值 {scene!r}，应为 s=编号 或 m=编号 / "
                         f"unrecognised scene {scene!r}, expected s=CODE or m=CODE")
    return _KIND[prefix], code


def _validate(scene: str) -> None:
    if not scene:
        raise ValueError("场景值为空 / scene is empty")
    if len(scene) > SCENE_MAX_LEN:
        raise ValueError(f"场景值最多 {SCENE_MAX_LEN} 个字符，实际 {len(scene)} 个 / "
                         f"scene is {len(scene)} chars, WeChat allows at most {SCENE_MAX_LEN}")
    if not SCENE_CHARSET.fullmatch(scene):
        bad = "".join(sorted({ch for ch in scene if not SCENE_CHARSET.fullmatch(ch)}))
        raise ValueError(f"场景值含不允许的字符 {bad!r} / "
                         f"scene contains characters WeChat does not allow: {bad!r}")
