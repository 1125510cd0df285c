import pytest

from qr.scene import SCENE_MAX_LEN, build_scene, parse_scene


@pytest.mark.parametrize(
    ("kind", "code", "scene"),
    [("site", "K7M2QX", "s=K7M2QX"), ("meeting", "AB12CD", "m=AB12CD"),
     ("site", "a-b_c.d~e!*'()", "s=a-b_c.d~e!*'()")],
)
def test_build_and_parse_round_trip(kind: str, code: str, scene: str) -> None:
    assert build_scene(kind, code) == scene  # type: ignore[arg-type]
    assert parse_scene(scene) == (kind, code)


def test_parse_accepts_url_encoded_scene() -> None:
    assert parse_scene("s%3DK7M2QX") == ("site", "K7M2QX")
    assert parse_scene("m%253DAB12CD") == ("meeting", "AB12CD")  # encoded twice


def test_longest_code_fits_exactly() -> None:
    code = "A" * (SCENE_MAX_LEN - 2)
    assert parse_scene(build_scene("site", code)) == ("site", code)


def test_more_than_32_chars_rejected() -> None:
    with pytest.raises(ValueError, match="32"):
        build_scene("site", "A" * (SCENE_MAX_LEN - 1))
    with pytest.raises(ValueError, match="32"):
        parse_scene("s=" + "A" * SCENE_MAX_LEN)


@pytest.mark.parametrize("code", ["K7 M2", "黄庄", "K7%M2", "K7\"M2", "a<b", "x^y", ""])
def test_bad_characters_rejected(code: str) -> None:
    with pytest.raises(ValueError):
        build_scene("site", code)


@pytest.mark.parametrize("scene", ["", "K7M2QX", "x=K7M2QX", "s=", "s=黄庄", "s%3D%E9%BB%84"])
def test_bad_scenes_rejected(scene: str) -> None:
    with pytest.raises(ValueError):
        parse_scene(scene)


def test_unknown_kind_rejected() -> None:
    with pytest.raises(ValueError, match="site"):
        build_scene("opinion", "K7M2QX")  # type: ignore[arg-type]
