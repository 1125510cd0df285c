import json
from pathlib import Path

import pytest

from qr.scene import SCENE_MAX_LEN, build_scene, parse_scene

# Shared with the mini-program's scene parser tests (miniprogram/tests/scene.test.js).
VECTORS = json.loads((Path(__file__).parent / "scene_vectors.json").read_text("utf-8"))


def test_vectors_use_the_library_limit() -> None:
    assert VECTORS["max_len"] == SCENE_MAX_LEN


@pytest.mark.parametrize(("kind", "code", "scene"), VECTORS["round_trip"])
def test_build_and_parse_round_trip(kind: str, code: str, scene: str) -> None:
    assert build_scene(kind, code) == scene  # type: ignore[arg-type]
    assert parse_scene(scene) == (kind, code)


@pytest.mark.parametrize(("scene", "kind", "code"), VECTORS["url_encoded"])
def test_parse_accepts_url_encoded_scene(scene: str, kind: str, code: str) -> None:
    # The second vector is encoded twice.
    assert parse_scene(scene) == (kind, code)


def test_longest_code_fits_exactly() -> None:
    code = "A" * (SCENE_MAX_LEN - 2)
    assert parse_scene(build_scene("site", code)) == ("site", code)


def test_more_than_32_chars_rejected() -> None:
    with pytest.raises(ValueError, match="32"):
        build_scene("site", "A" * (SCENE_MAX_LEN - 1))
    with pytest.raises(ValueError, match="32"):
        parse_scene("s=" + "A" * SCENE_MAX_LEN)


@pytest.mark.parametrize("code", VECTORS["bad_codes"])
def test_bad_characters_rejected(code: str) -> None:
    with pytest.raises(ValueError):
        build_scene("site", code)


@pytest.mark.parametrize("scene", VECTORS["bad_scenes"])
def test_bad_scenes_rejected(scene: str) -> None:
    with pytest.raises(ValueError):
        parse_scene(scene)


def test_unknown_kind_rejected() -> None:
    with pytest.raises(ValueError, match="site"):
        build_scene("opinion", "K7M2QX")  # type: ignore[arg-type]
