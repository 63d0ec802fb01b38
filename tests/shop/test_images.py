"""Photos: checked by decoding, metadata stripped, resized, stored once by content."""
import io
from pathlib import Path

import pytest
from PIL import Image

from marketplace import images
from tests.shop.conftest import image_bytes

FILES = Path(__file__).resolve().parents[1] / "data" / "imports"


def test_a_text_file_renamed_jpg_is_refused(app_ctx):
    with pytest.raises(images.InvalidImage, match="n'est pas une image lisible"):
        images.store_image((FILES / "not_an_image.jpg").read_bytes(), "not_an_image.jpg")


def test_a_file_over_5_mb_is_refused_in_the_reader_s_language(app_ctx):
    from flask_babel import force_locale

    big = b"\xff\xd8" + b"0" * (5 * 1024 * 1024)
    with pytest.raises(images.InvalidImage) as french:
        images.store_image(big, "big.jpg")
    assert str(french.value) == "« big.jpg » : la photo dépasse 5 Mo (5,0 Mo)."
    with force_locale("en"), pytest.raises(images.InvalidImage) as english:
        images.store_image(big, "big.jpg")
    assert str(english.value) == "“big.jpg”: the photo is over 5 MB (5.0 MB)."
    with pytest.raises(images.InvalidImage, match="^La photo est vide.$"):
        images.store_image(b"")


def test_a_huge_image_is_refused_before_being_decoded(app_ctx):
    # 10 000 × 10 000 pixels of one colour: a small file that would need 300 MB once decoded.
    data = image_bytes(size=(10_000, 10_000), image_format="PNG", optimize=True)
    assert len(data) < images.MAX_BYTES
    with pytest.raises(images.InvalidImage, match="trop grande"):
        images.store_image(data, "huge.png")


def test_a_gif_is_refused(app_ctx):
    with pytest.raises(images.InvalidImage, match="JPEG, PNG ou WebP"):
        images.store_image(image_bytes(image_format="GIF"), "anim.gif")


def test_a_truncated_jpeg_is_refused(app_ctx):
    with pytest.raises(images.InvalidImage):
        images.store_image(image_bytes()[:400], "cut.jpg")


def test_exif_is_stripped_and_orientation_applied(app_ctx):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise
    exif[0x010F] = "Camera maker"
    key = images.store_image(image_bytes(size=(3000, 2000), exif=exif.tobytes()), "photo.jpg")
    with Image.open(images.media_path(key, "large")) as large:
        assert large.format == "WEBP" and large.size == (1067, 1600)  # upright and resized
        assert not large.getexif() and "exif" not in large.info
    with Image.open(images.media_path(key, "thumb")) as thumb:
        assert max(thumb.size) == 400


def test_png_transparency_is_kept(app_ctx):
    key = images.store_image(image_bytes(mode="RGBA", image_format="PNG"), "logo.png")
    with Image.open(images.media_path(key, "thumb")) as thumb:
        assert thumb.mode == "RGBA" and thumb.getpixel((0, 0))[3] == 128


def test_the_same_photo_is_stored_once(app_ctx, media_dir):
    data = image_bytes(image_format="WEBP")
    assert images.store_image(data) == images.store_image(data)
    assert len(list(Path(media_dir).rglob("*.webp"))) == 2


def test_unknown_media_is_not_found(client):
    assert client.get("/medias/thumb/" + "0" * 64 + ".webp").status_code == 404
    assert client.get("/medias/thumb/not-a-key.webp").status_code == 404
