"""The door's camera on a browser without BarcodeDetector (Safari on iPhone, Firefox): Chromium
is given a fake camera that films a real printed badge, and its own BarcodeDetector is taken
away, so the QR decoder Samla serves (ZXing as WebAssembly) is what reads the badge. One badge
held in view is checked in once, and nothing is fetched from another host."""

import hashlib
import shutil
import subprocess
import time
from urllib.parse import urlsplit

import pypdfium2
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.badges.services import badge_pdf
from app.checkin.models import CheckIn
from app.security import CSP
from config import BASE_DIR
from tests.browser.conftest import log_in
from tests.factories import register

SLUG = "varkonferensen-2027"
MM = 72 / 25.4  # PDF points per millimetre
VENDOR = BASE_DIR / "app" / "static" / "vendor" / "barcode-detector"


def camera_video(registration, folder) -> str:
    """The attendee's badge as printed, its QR code cropped into a 640x480 camera frame, as a
    Y4M video that Chromium's fake camera plays in a loop."""
    assert shutil.which("ffmpeg"), "ffmpeg is missing: `make ffmpeg` (or `make test`) installs it"
    scale = 4
    page = pypdfium2.PdfDocument(badge_pdf([registration]))[0]
    height = page.get_height()
    badge = page.render(scale=scale).to_pil()
    # The QR code is 52 mm square, centred, its lower edge 16 mm from the bottom of the page.
    left = (page.get_width() - 52 * MM) / 2 - 4 * MM
    top = height - (16 + 52 + 4) * MM
    side = (52 + 8) * MM
    qr = badge.crop(tuple(round(v * scale) for v in (left, top, left + side, top + side)))
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(qr.convert("RGB").resize((400, 400)), (120, 40))
    png = folder / "badge.png"
    frame.save(png)
    video = folder / "badge.y4m"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-loop", "1", "-i", str(png), "-t", "2",
                    "-r", "10", "-pix_fmt", "yuv420p", str(video)], check=True)
    return str(video)


def test_csp_allows_webassembly_and_nothing_else():
    assert "'wasm-unsafe-eval'" in CSP
    assert "unsafe-inline" not in CSP and "'unsafe-eval'" not in CSP
    assert "http" not in CSP and "*" not in CSP


def test_the_decoder_is_served_as_webassembly(client):
    response = client.get("/static/vendor/barcode-detector/zxing_reader.wasm")
    assert response.status_code == 200
    assert response.mimetype == "application/wasm"
    # The very .wasm the committed script was built for (`make vendor` copies both at once).
    script = (VENDOR / "zxing-exported.js").read_text()
    assert hashlib.sha256(response.data).hexdigest() in script
    assert (VENDOR / "LICENSE").exists() and (VENDOR / "LICENSE.zxing-wasm").exists()


def test_a_badge_held_to_the_camera_is_checked_in_once_by_the_served_decoder(
        playwright, live_server, conference, make_user, mailbox, db, tmp_path):
    attendee = register(conference["event"], conference["ticket"])
    make_user("dorr@example.org", role="door", events=[conference["event"]], name="Dora Door")
    video = camera_video(attendee, tmp_path)

    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
              "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"],
    )
    try:
        context = browser.new_context(base_url=live_server, locale="sv-SE",
                                      timezone_id="Europe/Stockholm",
                                      viewport={"width": 390, "height": 844})
        # As on Safari: no BarcodeDetector of the browser's own.
        context.add_init_script("delete window.BarcodeDetector;")
        page = context.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        log_in(page, "dorr@example.org")
        page.goto(f"/checkin/{SLUG}")
        assert page.evaluate("'BarcodeDetector' in window") is False

        page.get_by_role("button", name="Skanna med kameran").click()
        result = page.get_by_role("alert")
        expect(result).to_contain_text("Alva Persson", timeout=20_000)
        expect(result).to_contain_text("Incheckad")
        expect(page.locator(".progress")).to_have_text("Incheckade: 1 av 1")
        expect(page.get_by_role("button", name="Stäng av kameran")).to_be_visible()
        # On a phone the keyboard stays closed, so the video stays in view.
        expect(page.get_by_label("Skanna namnbrickan eller skriv in koden")).not_to_be_focused()
        # One fake camera without a torch: no button to switch cameras, none for a torch.
        expect(page.get_by_role("button", name="Byt kamera")).to_be_hidden()
        expect(page.get_by_role("button", name="Ficklampa")).to_be_hidden()

        # The badge stays in view for five more seconds: still the one scan.
        time.sleep(5)
        expect(result).to_contain_text("Incheckad")
        expect(result).not_to_contain_text("Redan incheckad")
    finally:
        browser.close()

    scans = [url for url in requests if url.endswith("/scan.json")]
    assert len(scans) == 1, scans
    assert any(url.endswith("/static/vendor/barcode-detector/zxing_reader.wasm")
               for url in requests), "the served decoder was not used"
    live = urlsplit(live_server).netloc
    elsewhere = [url for url in requests
                 if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != live]
    assert not elsewhere, elsewhere
    db.session.rollback()  # see what the live server committed
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(
        CheckIn.registration_id == attendee.id, CheckIn.counts())) == 1

