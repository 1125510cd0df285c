"""Photo handling: verify with Pillow, refuse bombs, strip metadata, re-encode, store by hash."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from server.errors import DomainError, ValidationFailed

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_EDGE = 2048
THUMB_EDGE = 360


class PhotoTooLarge(DomainError):
    status, code, message = 413, "photo_too_large", "照片太大，请换一张小一点的照片"


@dataclass(frozen=True)
class ProcessedPhoto:
    data: bytes
    thumb: bytes
    sha256: str
    thumb_sha256: str
    width: int
    height: int


def _invalid(message: str, code: str = "invalid_photo") -> ValidationFailed:
    return ValidationFailed(message, code=code, errors={"file": [message]})


def process_photo(raw: bytes, *, max_bytes: int, max_pixels: int) -> ProcessedPhoto:
    """Check an upload is a real photo of an allowed type and return a clean JPEG and thumb."""
    if len(raw) > max_bytes:
        raise PhotoTooLarge(f"照片不能超过 {max_bytes // (1024 * 1024)} MB")
    if not raw:
        raise _invalid("没有收到照片内容")
    with warnings.catch_warnings():
        # Pillow warns (and later raises) on huge images; treat both as a bomb.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in ALLOWED_FORMATS:
                    raise _invalid("只支持 JPG、PNG、WEBP 格式的照片", "photo_type")
                if width * height > max_pixels:
                    raise _invalid("照片尺寸过大，请换一张照片", "photo_dimensions")
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                if image.format == "JPEG":
                    # Decode big JPEGs at a reduced scale: faster and far less memory.
                    image.draft("RGB", (MAX_EDGE, MAX_EDGE))
                image.load()
                image = ImageOps.exif_transpose(image)
                image = _flatten(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _invalid("照片尺寸过大，请换一张照片", "photo_dimensions") from exc
        except UnidentifiedImageError as exc:
            raise _invalid("文件不是有效的图片，请重新选择照片", "photo_type") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise _invalid("照片已损坏，无法读取，请重新选择照片") from exc
    image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    data = _encode(image, 85)
    thumb_image = image.copy()
    thumb_image.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    thumb = _encode(thumb_image, 75)
    return ProcessedPhoto(
        data=data, thumb=thumb, sha256=hashlib.sha256(data).hexdigest(),
        thumb_sha256=hashlib.sha256(thumb).hexdigest(), width=image.width, height=image.height,
    )


def _flatten(image: Image.Image) -> Image.Image:
    """Return an RGB copy, painting transparency onto white."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, quality: int) -> bytes:
    # A fresh save without exif=/icc_profile= writes no EXIF, XMP or GPS at all.
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def media_file(root: str | Path, sha256: str) -> Path:
    """Return where a blob with this hash lives under the media folder."""
    return Path(root) / "intake" / sha256[:2] / f"{sha256}.jpg"


def store_blob(root: str | Path, sha256: str, data: bytes) -> Path:
    """Write a blob once (atomically); identical content is stored a single time."""
    return write_once(media_file(root, sha256), data)


def write_once(path: Path, data: bytes) -> Path:
    """Write a content-addressed file atomically unless it already exists."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".up-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
