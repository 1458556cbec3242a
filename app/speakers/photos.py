"""Speaker photos: accept JPEG, PNG or WebP, keep a small JPEG with no metadata at all.

What is stored is a fresh image built from the pixels only, so EXIF (camera, GPS position),
XMP, ICC profiles and comments of the upload never reach the public page."""

import warnings
from io import BytesIO

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps

from app.errors import Refusal

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
SIZE = (600, 600)
QUALITY = 85
FORMATS = ("JPEG", "PNG", "WEBP")
# A request may carry the form around the file; anything much larger is refused unread (413).
MAX_REQUEST_BYTES = MAX_BYTES + 256 * 1024


class PhotoError(Refusal):
    """A photo that is refused, with a message for the speaker."""

    status = 400


NOT_AN_IMAGE = _l("The file is not a photo Samla can read. Choose a JPEG, PNG or WebP image.")
TOO_LARGE = _l("The photo is larger than 5 MB. Choose a smaller file.")
TOO_MANY_PIXELS = _l("The photo has too many pixels (at most 40 megapixels). "
                     "Choose a smaller image.")
EMPTY = _l("Choose a photo to upload.")


def process(data: bytes) -> bytes:
    """The upload as a JPEG of at most 600x600 pixels without metadata, or PhotoError."""
    if not data:
        raise PhotoError(EMPTY)
    if len(data) > MAX_BYTES:
        raise PhotoError(TOO_LARGE)
    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice that; treat a warning as refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data), formats=FORMATS) as probe:
                _check_pixels(probe)
                probe.verify()
            # verify() leaves the image unusable: open it again to decode the pixels.
            with Image.open(BytesIO(data), formats=FORMATS) as image:
                _check_pixels(image)
                image.load()
                return _clean_jpeg(image)
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise PhotoError(TOO_MANY_PIXELS) from error
        except Exception as error:  # any decoder failure means: not an image we accept
            raise PhotoError(NOT_AN_IMAGE) from error


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise PhotoError(TOO_MANY_PIXELS)


def _clean_jpeg(image: Image.Image) -> bytes:
    image = ImageOps.exif_transpose(image)
    image = _to_srgb(image)
    image.thumbnail(SIZE, Image.Resampling.LANCZOS)
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        rgb = background
    else:
        rgb = image.convert("RGB")
    # A new image has an empty info dict: nothing of the upload but its pixels goes along.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = BytesIO()
    clean.save(out, "JPEG", quality=QUALITY, optimize=True, exif=b"")
    return out.getvalue()


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours as meant: convert from an embedded ICC profile to sRGB, since the profile is
    not kept. An unreadable profile is ignored."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(profile))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
