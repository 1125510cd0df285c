"""Find a CJK TrueType font that reportlab can embed, and register it once."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont, TTLibError

# Characters every poster prints; a font without them is no use to us.
SAMPLE_TEXT = "有事好商量协商议事室微信扫一扫反映问题参与签到表决点位编号联系电话：·"
INSTALL_HINT_ZH = (
    "请安装：apt-get install fonts-wqy-microhei，或用 --font 指定 TrueType 中文字体文件"
)
INSTALL_HINT_EN = (
    "install one: apt-get install fonts-wqy-microhei, or pass --font PATH to a TrueType CJK font"
)
FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)
# Likely CJK TrueType families, best first: WenQuanYi is glyf-outlined and small to subset.
NAME_HINTS = ("wqy-microhei", "wqy-zenhei", "droidsansfallback", "uming", "ukai", "simhei",
              "simsun", "msyh", "noto", "sourcehan", "cjk")


# What fontTools raises on a file that is not a font it can read.
_FONT_ERRORS = (OSError, TTLibError, AssertionError, ValueError, KeyError, IndexError,
                struct.error)


class FontNotFoundError(RuntimeError):
    """No usable CJK TrueType font: missing, unreadable, CFF-outlined or lacking glyphs."""

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(
            f"找不到可用的中文字体（{reason_zh}）；{INSTALL_HINT_ZH} / "
            f"No usable CJK font ({reason_en}); {INSTALL_HINT_EN}"
        )


@dataclass(frozen=True)
class FontRef:
    """A font file and the index of the face inside it (non-zero only for .ttc collections)."""

    path: str
    subfont_index: int = 0


@dataclass(frozen=True)
class _Face:
    glyf: bool
    cff: bool
    cmap: frozenset[int]


def _stat_key(path: str) -> tuple[str, int, int]:
    st = os.stat(path)
    return path, st.st_mtime_ns, st.st_size


def _face_count(path: str) -> int:
    """Return how many faces path holds (several for a .ttc collection)."""
    return _face_count_cached(*_stat_key(path))


def _read_face(path: str, index: int) -> _Face:
    """Return what we need of face index of path."""
    return _read_face_cached(*_stat_key(path), index)


@lru_cache(maxsize=32)
def _face_count_cached(path: str, mtime_ns: int, size: int) -> int:
    with open(path, "rb") as fh:
        if fh.read(4) != b"ttcf":
            return 1
        fh.seek(0)
        return len(TTCollection(fh, lazy=True).fonts)


@lru_cache(maxsize=32)
def _read_face_cached(path: str, mtime_ns: int, size: int, index: int) -> _Face:
    # Our own file handle, closed on exit: fontTools' lazy fonts otherwise keep it open.
    # One face at a time: a CJK cmap takes ~0.1 s to read and a .ttc holds several.
    with open(path, "rb") as fh:
        f = TTFont(fh, lazy=True, fontNumber=index)
        return _Face("glyf" in f, "CFF " in f or "CFF2" in f, frozenset(f.getBestCmap() or {}))


def _check_face(face: _Face, sample: str) -> tuple[str, str] | None:
    """Return (zh, en) reasons why face is unusable, or None when it is fine."""
    if not face.glyf:
        if face.cff:
            return ("字体为 CFF/PostScript 轮廓，reportlab 无法嵌入",
                    "font has CFF/PostScript outlines, which reportlab cannot embed")
        return "字体没有 glyf 轮廓表", "font has no glyf outline table"
    missing = [ch for ch in dict.fromkeys(sample) if ord(ch) not in face.cmap]
    if missing:
        chars = "".join(missing[:10])
        return f"字体缺少汉字：{chars}", f"font lacks CJK glyphs: {chars}"
    return None


def check_font(ref: FontRef, sample: str = SAMPLE_TEXT) -> None:
    """Raise FontNotFoundError unless ref is a readable TrueType face covering sample."""
    if not os.path.isfile(ref.path):
        raise FontNotFoundError(f"文件不存在：{ref.path}", f"no such file: {ref.path}")
    try:
        count = _face_count(ref.path)
        face = _read_face(ref.path, ref.subfont_index) if 0 <= ref.subfont_index < count else None
    except _FONT_ERRORS as exc:
        raise FontNotFoundError(f"无法读取字体文件 {ref.path}",
                                f"cannot read font file {ref.path}: {exc}") from exc
    if face is None:
        raise FontNotFoundError(f"字体文件中没有第 {ref.subfont_index} 个字体",
                                f"{ref.path} has no face #{ref.subfont_index}")
    reason = _check_face(face, sample)
    if reason is not None:
        raise FontNotFoundError(f"{reason[0]}：{ref.path}", f"{reason[1]}: {ref.path}")


def _first_usable_face(path: str) -> FontRef | None:
    try:
        for index in range(_face_count(path)):
            if _check_face(_read_face(path, index), SAMPLE_TEXT) is None:
                return FontRef(path, index)
    except _FONT_ERRORS:
        return None
    return None


def _fc_match() -> FontRef | None:
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "-f", "%{file}\n%{index}", ":lang=zh-cn"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.splitlines()
    if not lines or not lines[0]:
        return None
    try:
        index = int(lines[1]) if len(lines) > 1 and lines[1] else 0
    except ValueError:
        index = 0
    return FontRef(lines[0], index)


def _scan_dirs() -> list[str]:
    found: list[tuple[int, str]] = []
    for root in FONT_DIRS:
        base = Path(root).expanduser()
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            if path.suffix.lower() not in (".ttc", ".ttf", ".otf"):
                continue
            key = path.name.lower().replace(" ", "").replace("_", "-")
            for rank, hint in enumerate(NAME_HINTS):
                if hint in key:
                    found.append((rank, str(path)))
                    break
    return [p for _, p in sorted(found)]


@lru_cache(maxsize=16)
def find_cjk_font(configured_path: str | None = None) -> FontRef:
    """Return a CJK TrueType font: the configured file, fontconfig's choice, or a scan."""
    if configured_path:
        if not os.path.isfile(configured_path):
            raise FontNotFoundError(f"文件不存在：{configured_path}",
                                    f"no such file: {configured_path}")
        ref = _first_usable_face(configured_path)
        if ref is None:
            # Re-check face 0 to raise the precise reason (CFF, missing glyphs, unreadable).
            check_font(FontRef(configured_path, 0))
            raise FontNotFoundError(f"字体不可用：{configured_path}",
                                    f"unusable font: {configured_path}")
        return ref
    matched = _fc_match()
    if matched is not None:
        try:
            check_font(matched)
            return matched
        except FontNotFoundError:
            # fontconfig often prefers Noto CJK, which is CFF; look for a TrueType one.
            pass
    for path in _scan_dirs():
        ref = _first_usable_face(path)
        if ref is not None:
            return ref
    raise FontNotFoundError("系统中没有含 glyf 轮廓的中文字体",
                            "no CJK font with TrueType outlines on this system")


_register_lock = threading.Lock()
_registered: dict[FontRef, str] = {}


def register_font(ref: FontRef) -> str:
    """Register ref with reportlab once and return its font name."""
    with _register_lock:
        name = _registered.get(ref)
        if name is not None:
            return name
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFError
        from reportlab.pdfbase.ttfonts import TTFont as RLTTFont

        check_font(ref)
        name = f"SL-CJK-{len(_registered)}-{Path(ref.path).stem}-{ref.subfont_index}"
        try:
            pdfmetrics.registerFont(RLTTFont(name, ref.path, subfontIndex=ref.subfont_index))
        except TTFError as exc:
            raise FontNotFoundError(f"reportlab 无法加载字体：{ref.path}",
                                    f"reportlab cannot load {ref.path}: {exc}") from exc
        _registered[ref] = name
        return name


def missing_chars(ref: FontRef, text: str) -> str:
    """Return the distinct characters of text that the font has no glyph for."""
    cmap = _read_face(ref.path, ref.subfont_index).cmap
    return "".join(ch for ch in dict.fromkeys(text) if not ch.isspace() and ord(ch) not in cmap)
