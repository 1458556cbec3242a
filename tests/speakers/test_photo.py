"""A speaker uploads a photo on their personal page; Samla keeps a small clean JPEG."""

import struct
import zlib
from io import BytesIO

from PIL import Image

from app.events.models import Event
from app.speakers.photos import MAX_BYTES, process
from app.speakers.services import add_speaker, assign
from tests.factories import publish_programme

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def portal(speaker):
    return f"/s/{speaker.token}"


def upload(client, speaker, data: bytes, filename="face.jpg", content_type="image/jpeg"):
    return client.post(
        f"{portal(speaker)}/photo", content_type="multipart/form-data",
        data={"photo": (BytesIO(data), filename, content_type)},
    )


def camera_jpeg() -> bytes:
    """1200x800, left half blue and right half red, taken with the camera turned (EXIF
    orientation 6: turn 90° clockwise to view), with a GPS position and a comment."""
    image = Image.new("RGB", (1200, 800), (220, 0, 0))
    image.paste((0, 0, 220), (0, 0, 600, 800))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "Kamerafabriken"  # Make
    exif[0x0110] = "Modell X"  # Model
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (59.0, 19.0, 42.0)
    gps[3] = "E"
    gps[4] = (18.0, 4.0, 7.0)
    out = BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"hemlig kommentar", quality=90)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims the given size (a decompression bomb needs no more than that)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * (width + 1))) + chunk(b"IEND", b""))


def stored(db, speaker) -> bytes | None:
    db.session.expire_all()
    return db.session.get(type(speaker), speaker.id).photo


def test_camera_photo_is_turned_shrunk_and_stripped_of_metadata(client, conference, db):
    speaker = conference["speaker"]
    original = camera_jpeg()
    with Image.open(BytesIO(original)) as before:  # the test photo really carries it all
        assert before.getexif()[ORIENTATION] == 6
        assert before.getexif().get_ifd(GPS_IFD)[1] == "N"
        assert before.info["comment"] == b"hemlig kommentar"

    response = upload(client, speaker, original)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(portal(speaker))
    assert "Ditt foto är sparat." in client.get(portal(speaker)).get_data(as_text=True)

    data = stored(db, speaker)
    assert data is not None and data.startswith(b"\xff\xd8")
    with Image.open(BytesIO(data)) as after:
        assert after.format == "JPEG" and after.mode == "RGB"
        assert max(after.size) <= 600
        assert after.size == (400, 600)  # upright: portrait once turned
        assert not after.getexif()
        assert "exif" not in after.info
        assert "icc_profile" not in after.info and "comment" not in after.info
        # Turned clockwise, the left (blue) half of the sensor is now on top.
        top, bottom = after.getpixel((200, 100)), after.getpixel((200, 500))
        assert top[2] > 150 and top[0] < 80
        assert bottom[0] > 150 and bottom[2] < 80
    assert b"Exif" not in data and b"Kamerafabriken" not in data
    assert b"hemlig" not in data
    db.session.refresh(speaker)
    assert speaker.photo_updated_at is not None


def test_png_with_transparency_becomes_a_jpeg_on_white(client, conference, db):
    speaker = conference["speaker"]
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    image.paste((0, 120, 0, 255), (0, 0, 150, 200))
    out = BytesIO()
    image.save(out, "PNG")
    response = upload(client, speaker, out.getvalue(), "face.png", "image/png")
    assert response.status_code == 302
    with Image.open(BytesIO(stored(db, speaker))) as after:
        assert after.format == "JPEG" and after.size == (300, 200)  # never enlarged
        assert after.getpixel((250, 100)) >= (245, 245, 245)  # transparent: white
        green = after.getpixel((50, 100))
        assert green[1] > 90 and green[0] < 40


def test_webp_is_accepted(client, conference, db):
    out = BytesIO()
    Image.new("RGB", (64, 64), (10, 20, 200)).save(out, "WEBP")
    assert upload(client, conference["speaker"], out.getvalue(), "a.webp",
                  "image/webp").status_code == 302
    assert stored(db, conference["speaker"]).startswith(b"\xff\xd8")


def test_a_text_file_named_jpg_is_refused_and_nothing_is_stored(client, conference, db):
    speaker = conference["speaker"]
    response = upload(client, speaker, "Det här är ingen bild, bara text.\n".encode() * 20)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Filen är inte ett foto som Samla kan läsa." in html
    assert 'aria-invalid="true"' in html
    assert stored(db, speaker) is None


def test_other_image_formats_are_refused(client, conference, db):
    out = BytesIO()
    Image.new("RGB", (40, 40), "white").save(out, "GIF")
    response = upload(client, conference["speaker"], out.getvalue(), "a.gif", "image/gif")
    assert response.status_code == 400
    assert "Filen är inte ett foto" in response.get_data(as_text=True)
    assert stored(db, conference["speaker"]) is None


def test_an_empty_upload_is_refused(client, conference, db):
    response = upload(client, conference["speaker"], b"", "", "application/octet-stream")
    assert response.status_code == 400
    assert "Välj ett foto att ladda upp." in response.get_data(as_text=True)


def test_too_many_pixels_is_refused(client, conference, db):
    speaker = conference["speaker"]
    out = BytesIO()
    Image.new("1", (7000, 6000)).save(out, "PNG")  # 42 megapixels, a small file
    response = upload(client, speaker, out.getvalue(), "huge.png", "image/png")
    assert response.status_code == 400
    assert "Fotot har för många pixlar" in response.get_data(as_text=True)
    assert stored(db, speaker) is None


def test_a_decompression_bomb_is_a_clear_400(client, conference, db):
    speaker = conference["speaker"]
    for size in ((20_000, 20_000), (60_000, 60_000)):  # Pillow warns, then refuses
        response = upload(client, speaker, png_header_only(*size), "bomb.png", "image/png")
        assert response.status_code == 400
        assert "Fotot har för många pixlar" in response.get_data(as_text=True)
    assert stored(db, speaker) is None


def test_a_file_over_5_mb_is_refused_with_a_message(client, conference, db):
    speaker = conference["speaker"]
    response = upload(client, speaker, b"\xff\xd8" + b"0" * MAX_BYTES)
    assert response.status_code == 400
    assert "Fotot är större än 5 MB." in response.get_data(as_text=True)
    assert stored(db, speaker) is None


def test_a_far_too_large_request_gets_the_friendly_413_page(client, conference, db):
    speaker = conference["speaker"]
    response = upload(client, speaker, b"0" * (8 * 1024 * 1024))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Filen är för stor" in html and "Traceback" not in html
    assert stored(db, speaker) is None


def test_process_refuses_what_is_not_an_image():
    import pytest

    from app.speakers.photos import PhotoError

    for data in (b"", b"GIF89a", b"\x89PNG\r\n\x1a\n" + b"\0" * 50):
        with pytest.raises(PhotoError):
            process(data)


def photo_url(speaker):
    return f"/speakers/{speaker.id}/photo.jpg"


def with_photo(client, db, speaker):
    out = BytesIO()
    Image.new("RGB", (100, 100), (200, 100, 0)).save(out, "JPEG")
    assert upload(client, speaker, out.getvalue()).status_code == 302
    db.session.refresh(speaker)
    return int(speaker.photo_updated_at.timestamp())


def test_photo_is_served_publicly_with_caching(client, conference, db):
    speaker = conference["speaker"]
    assert client.get(photo_url(speaker)).status_code == 404  # no photo yet
    version = with_photo(client, db, speaker)
    response = client.get(f"{photo_url(speaker)}?v={version}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.data.startswith(b"\xff\xd8")
    assert response.cache_control.public and response.cache_control.max_age >= 3600
    again = client.get(f"{photo_url(speaker)}?v={version}",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert f"{photo_url(speaker)}?v={version}" in client.get(
        "/e/varkonferensen-2027/speakers").get_data(as_text=True)
    portal_page = client.get(portal(speaker)).get_data(as_text=True)
    assert f"/s/{speaker.token}/photo.jpg?v={version}" in portal_page
    assert client.get(f"/s/{speaker.token}/photo.jpg").status_code == 200


def test_photo_is_not_served_for_declined_speakers_or_drafts(client, conference, db):
    speaker = conference["speaker"]
    with_photo(client, db, speaker)
    assert client.get(photo_url(speaker)).status_code == 200
    assert client.get("/speakers/999999/photo.jpg").status_code == 404

    [slot] = speaker.slots
    slot.state = "declined"
    db.session.commit()
    assert client.get(photo_url(speaker)).status_code == 404
    # The speaker still sees it on their own page.
    assert client.get(f"/s/{speaker.token}/photo.jpg").status_code == 200

    slot.state = "accepted"
    db.session.get(Event, conference["event"].id).published = False
    db.session.commit()
    assert client.get(photo_url(speaker)).status_code == 404


def test_photo_of_a_speaker_without_slots_is_not_served(client, conference, db):
    loner = add_speaker(conference["event"], name="Utan Pass")
    db.session.commit()
    with_photo(client, db, loner)
    assert client.get(photo_url(loner)).status_code == 404
    [slot] = assign(conference["lunch"], [loner], invite=False)
    db.session.commit()
    assert client.get(photo_url(loner)).status_code == 404, "a draft slot is not public yet"
    publish_programme(conference["event"])
    assert client.get(photo_url(loner)).status_code == 404, "invited, not yet accepted"
    slot.state = "accepted"
    db.session.commit()
    assert client.get(photo_url(loner)).status_code == 200


def test_speaker_removes_the_photo(client, conference, db):
    speaker = conference["speaker"]
    with_photo(client, db, speaker)
    response = client.post(f"{portal(speaker)}/photo/remove")
    assert response.status_code == 302
    assert "Ditt foto är borttaget." in client.get(portal(speaker)).get_data(as_text=True)
    assert stored(db, speaker) is None
    db.session.refresh(speaker)
    assert speaker.photo_updated_at is None
    assert client.get(photo_url(speaker)).status_code == 404
    assert client.get(f"/s/{speaker.token}/photo.jpg").status_code == 404


def test_unknown_token_cannot_upload_or_remove(client, conference, db):
    out = BytesIO()
    Image.new("RGB", (10, 10)).save(out, "JPEG")
    response = client.post("/s/" + "x" * 43 + "/photo", content_type="multipart/form-data",
                           data={"photo": (BytesIO(out.getvalue()), "a.jpg", "image/jpeg")})
    assert response.status_code == 404
    assert client.post("/s/" + "x" * 43 + "/photo/remove").status_code == 404
    assert stored(db, conference["speaker"]) is None
