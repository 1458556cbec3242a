"""The finance person, on a phone, downloads a period's invoices and credit notes for the
bookkeeping system and sends the e-invoices to the access point's folder; the invoices page
passes axe-core, fits 320 px and its buttons are big enough to tap."""

import io
import zipfile
from pathlib import Path

from playwright.sync_api import expect

from app.registration import services
from tests.browser.conftest import assert_accessible, log_in
from tests.payments.test_peppol_invoices import order_of, seller

SLUG = "varkonferensen-2027"


def test_finance_downloads_the_period_and_sends_the_e_invoices(page, conference, make_user,
                                                                db, live_app, tmp_path):
    event = conference["event"]
    seller(event, db)
    order = order_of(event, [conference["paid"]] * 2)
    services.cancel(order.registrations[1])
    make_user("arrangor@example.org", role="admin", name="Olga Organiser")
    live_app.config["EINVOICE_FOLDER"] = str(tmp_path)
    try:
        page.set_viewport_size({"width": 320, "height": 640})
        log_in(page)
        page.goto(f"/manage/e/{SLUG}/invoices")
        expect(page.get_by_role("heading", name="E-fakturor och bokföring")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert_accessible(page)

        page.get_by_label("Från").fill("2026-01-01")
        page.get_by_label("Till").fill("2027-12-31")
        download_button = page.get_by_role(
            "button", name="Ladda ner fakturor och kreditfakturor för perioden (zip)")
        assert download_button.bounding_box()["height"] >= 44
        with page.expect_download() as download:
            download_button.click()
        names = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())).namelist()
        assert f"invoice-{order.invoice_number}.xml" in names and len(names) == 4

        send = page.get_by_role("button", name="Skicka e-fakturor")
        assert send.bounding_box()["height"] >= 44
        send.click()
        expect(page.get_by_text("Skickade e-fakturor: 2.")).to_be_visible()
        assert len(list(tmp_path.iterdir())) == 2
        expect(page.locator(f"#credit-note-{order.invoice_number + 1}")).to_contain_text(
            "Skickad")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert_accessible(page)
    finally:
        live_app.config["EINVOICE_FOLDER"] = ""
