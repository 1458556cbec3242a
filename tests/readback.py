"""Reading back what users get: PDF text and the QR codes inside PDFs, as other programs do."""

import io

import zxingcpp
from pypdf import PdfReader


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def qr_codes(data: bytes) -> list[str]:
    """Decode every QR code in every image of the PDF (pypdf extracts, zxing-cpp decodes)."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            for barcode in zxingcpp.read_barcodes(image.image):
                if barcode.format == zxingcpp.BarcodeFormat.QRCode:
                    found.append(barcode.text)
    return found


def attachment(message, content_type="application/pdf") -> bytes:
    for part in message.iter_attachments():
        if part.get_content_type() == content_type:
            return part.get_content()
    raise AssertionError(f"no {content_type} attachment")
