"""Photos of shops and products: checked with Pillow, re-encoded, stored by content.

An upload is decoded (which is the real check: a renamed text file or a truncated image fails),
turned upright from its EXIF orientation, then re-encoded from its pixels only, which drops EXIF
(GPS position, camera serial…) and any other metadata. Two WebP versions are kept (a thumbnail
and a large one; WebP keeps PNG transparency). Files are named by the SHA-256 of the large
version, so the same photo uploaded twice is stored once and a URL never changes content: it can
be cached forever.
"""
import hashlib
import io
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal, gettext
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 megapixels: above, decoding alone would need ~160 MB of memory
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
SIZES = {"thumb": 400, "large": 1600}


class InvalidImage(ValueError):
    """The upload is not an acceptable photo; the message is in the reader's language."""

    def __init__(self, problem: str, filename: str = ""):
        super().__init__(gettext("« %(file)s » : %(problem)s", file=filename, problem=problem) if filename
                         else problem[:1].upper() + problem[1:])


def media_dir() -> Path:
    folder = Path(current_app.config["MEDIA_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def media_path(key: str, size: str) -> Path:
    return media_dir() / key[:2] / f"{key}-{size}.webp"


def store_image(data: bytes, filename: str = "") -> str:
    """Check and store an uploaded photo; return its content key. Raises InvalidImage."""
    if len(data) > MAX_BYTES:
        raise InvalidImage(gettext("la photo dépasse 5 Mo (%(size)s Mo).",
                                   size=format_decimal(len(data) / 1024 / 1024, "0.0")), filename)
    if not data:
        raise InvalidImage(gettext("la photo est vide."), filename)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 89 and 178 megapixels: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            image_format = probe.format
            width, height = probe.size
        if image_format not in ACCEPTED_FORMATS:
            raise InvalidImage(gettext("le fichier n'est pas une photo JPEG, PNG ou WebP."), filename)
        if width * height > MAX_PIXELS:
            raise InvalidImage(gettext("la photo est trop grande (%(width)s × %(height)s pixels) : 40 mégapixels "
                                       "au plus.", width=width, height=height), filename)
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            versions = {size: _encode(image, side) for size, side in SIZES.items()}
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidImage(gettext("la photo est trop grande : 40 mégapixels au plus."), filename) from None
    except InvalidImage:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidImage(gettext("le fichier n'est pas une image lisible (JPEG, PNG ou WebP)."),
                           filename) from None
    key = hashlib.sha256(versions["large"]).hexdigest()
    for size, content in versions.items():
        path = media_path(key, size)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(content)
            temporary.replace(path)  # atomic: a reader never sees half a file
    return key


def _encode(image: Image.Image, side: int) -> bytes:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    copy = image.convert("RGBA" if has_alpha else "RGB")
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: no EXIF, ICC, XMP or comments survive.
    clean = Image.new(copy.mode, copy.size)
    clean.paste(copy)
    buffer = io.BytesIO()
    clean.save(buffer, "WEBP", quality=82, method=4)
    return buffer.getvalue()


def image_url(key: str, size: str = "thumb") -> str:
    from flask import url_for

    return url_for("public.media", key=key, size=size)
