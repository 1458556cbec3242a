"""Reading back what users get: PDF text and the QR codes inside PDFs, as other programs do."""

import io
from dataclasses import dataclass

import pypdfium2
import zxingcpp
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def qr_codes(data: bytes) -> list[str]:
    """Every QR code on every page of the PDF, as a scanner reads the printed page (see
    rendered_qr_codes)."""
    return [code for page in rendered_qr_codes(data) for code in page]


def attachment(message, content_type="application/pdf") -> bytes:
    for part in message.iter_attachments():
        if part.get_content_type() == content_type:
            return part.get_content()
    raise AssertionError(f"no {content_type} attachment")


def rendered_qr_codes(data: bytes, dpi: int = 200) -> list[list[str]]:
    """The QR codes a camera would see on each page: every page drawn as a printer would
    (pypdfium2) and searched whole by zxing-cpp, so codes drawn any way count."""
    document = pypdfium2.PdfDocument(data)
    try:
        found = []
        for page in document:
            image = page.render(scale=dpi / 72).to_pil()
            found.append([barcode.text for barcode in zxingcpp.read_barcodes(image)
                          if barcode.format == zxingcpp.BarcodeFormat.QRCode])
            page.close()
        return found
    finally:
        document.close()


@dataclass(frozen=True)
class DrawnText:
    text: str
    x: float
    y: float
    size: float
    font: str

    @property
    def width(self) -> float:
        return stringWidth(self.text, self.font, self.size)


def drawn_texts(data: bytes) -> list[list[DrawnText]]:
    """Each page's text as drawn: the string, where its baseline starts on the page (in
    points, after every transformation), its size and its font."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        found = []

        def visit(text, cm, tm, font, size, found=found):
            if not text.strip() or font is None:
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append(DrawnText(text.strip(), x, y, size * tm[0] * cm[0],
                                   str(font["/BaseFont"]).lstrip("/")))

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages
