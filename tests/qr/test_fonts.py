from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from reportlab.pdfbase import pdfmetrics

from qr import fonts
from qr.fonts import FontNotFoundError, FontRef, find_cjk_font, missing_chars, register_font

HINT = "apt-get install fonts-wqy-microhei"


def _square(pen: TTGlyphPen | T2CharStringPen) -> None:
    pen.moveTo((100, 0))
    pen.lineTo((100, 700))
    pen.lineTo((600, 700))
    pen.lineTo((600, 0))
    pen.closePath()


def _build_font(path: Path, chars: str, *, cff: bool) -> Path:
    """Write a tiny font whose glyphs are squares for chars."""
    chars = "".join(dict.fromkeys(chars))
    names = [".notdef"] + [f"u{ord(c):04X}" for c in chars]
    fb = FontBuilder(1000, isTTF=not cff)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(c): f"u{ord(c):04X}" for c in chars})
    if cff:
        strings = {}
        for name in names:
            pen = T2CharStringPen(700, None)
            _square(pen)
            strings[name] = pen.getCharString()
        fb.setupCFF("TestCFF", {"FullName": "TestCFF"}, strings, {})
    else:
        glyphs = {}
        for name in names:
            pen = TTGlyphPen(None)
            _square(pen)
            glyphs[name] = pen.glyph()
        fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({name: (700, 100) for name in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Test", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=800, usWinAscent=800, usWinDescent=200)
    fb.setupPost()
    fb.save(str(path))
    return path


def test_missing_font_path_gives_install_hint(tmp_path: Path) -> None:
    with pytest.raises(FontNotFoundError) as err:
        find_cjk_font(str(tmp_path / "nope.ttf"))
    message = str(err.value)
    assert HINT in message
    assert "nope.ttf" in message
    assert "\n" not in message


def test_cff_font_is_rejected_with_reason(tmp_path: Path) -> None:
    path = _build_font(tmp_path / "cff.otf", fonts.SAMPLE_TEXT, cff=True)
    with pytest.raises(FontNotFoundError, match="CFF") as err:
        find_cjk_font(str(path))
    assert HINT in str(err.value)


def test_font_without_cjk_glyphs_is_rejected(tmp_path: Path) -> None:
    path = _build_font(tmp_path / "latin.ttf", "ABC", cff=False)
    with pytest.raises(FontNotFoundError, match="有事好商量") as err:
        find_cjk_font(str(path))
    assert HINT in str(err.value)


def test_not_a_font_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "junk.ttf"
    path.write_bytes(b"\0\1\0\0 this is not a font")
    with pytest.raises(FontNotFoundError, match="junk.ttf"):
        find_cjk_font(str(path))


def test_configured_truetype_font_is_accepted(tmp_path: Path) -> None:
    path = _build_font(tmp_path / "ok.ttf", fonts.SAMPLE_TEXT, cff=False)
    ref = find_cjk_font(str(path))
    assert ref == FontRef(str(path), 0)
    name = register_font(ref)
    assert register_font(ref) == name
    assert name in pdfmetrics.getRegisteredFontNames()


def test_system_font_found_and_covers_sample() -> None:
    ref = find_cjk_font()
    fonts.check_font(ref)
    assert missing_chars(ref, fonts.SAMPLE_TEXT) == ""


def test_cff_from_fontconfig_falls_back_to_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cff = _build_font(tmp_path / "noto-cjk.otf", fonts.SAMPLE_TEXT, cff=True)
    good = _build_font(tmp_path / "wqy-microhei.ttf", fonts.SAMPLE_TEXT, cff=False)
    monkeypatch.setattr(fonts, "_fc_match", lambda: FontRef(str(cff), 0))
    monkeypatch.setattr(fonts, "FONT_DIRS", (str(tmp_path),))
    assert fonts.find_cjk_font.__wrapped__() == FontRef(str(good), 0)


def test_no_font_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_fc_match", lambda: None)
    monkeypatch.setattr(fonts, "FONT_DIRS", (str(tmp_path),))
    with pytest.raises(FontNotFoundError, match=HINT):
        fonts.find_cjk_font.__wrapped__()


def test_missing_chars_lists_each_once() -> None:
    ref = find_cjk_font()
    assert missing_chars(ref, "黄庄村 😀😀") == "😀"
