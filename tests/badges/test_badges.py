"""Badges as PDF, read back the way a printer driver and a door scanner do: the text is there,
it fits on the page, and the QR code holds the badge token and nothing else."""

import io
import re

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.registration import services as registration_services
from app.tokens import BADGE_TOKEN_RE, badge_token
from tests.conftest import login
from tests.factories import build_conference, register
from tests.readback import pdf_text, qr_codes

SLUG = "varkonferensen-2027"
EDGE = 5 * mm


def spaced(token: str) -> str:
    return " ".join(re.findall(".{1,4}", token))


def single_pages(data: bytes) -> list[bytes]:
    """Each page of a PDF as a PDF of its own, so text and QR codes can be read per page."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        writer, out = PdfWriter(), io.BytesIO()
        writer.add_page(page)
        writer.write(out)
        pages.append(out.getvalue())
    return pages


def text_lines(data: bytes) -> list[tuple[str, float, float]]:
    """(text, x, font size) of every string drawn on the first page."""
    found = []

    def visit(text, _cm, tm, _font, size):
        if text.strip():
            found.append((text.strip(), tm[4], size * tm[0]))

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return found


def badge(client, registration):
    response = client.get(f"/r/{registration.manage_token}/badge.pdf")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    return response


def joined(text: str) -> str:
    """The page's text with a long name's lines joined again (it wraps at spaces and after
    hyphens)."""
    return re.sub(r"\s*\n\s*", " ", re.sub(r"-\n\s*", "-", text))


def assert_badge_reads_back(data: bytes, registration):
    [text] = pdf_text(data)
    assert registration.name in joined(text)
    assert registration.event.name in text
    assert spaced(registration.badge_token) in text
    if registration.organisation:
        assert registration.organisation in text
    [code] = qr_codes(data)
    assert code == registration.badge_token
    assert BADGE_TOKEN_RE.fullmatch(code) and re.fullmatch(r"[A-Z2-7]{26}", code)


def test_attendee_downloads_a_badge_that_reads_back(client, conference, mailbox):
    attendee = register(conference["event"], conference["ticket"], organisation="RSMH Stockholm")
    response = badge(client, attendee)
    assert "no-store" in response.headers["Cache-Control"]
    assert "namnbricka.pdf" in response.headers["Content-Disposition"]
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 1
    assert_badge_reads_back(response.data, attendee)
    [text] = pdf_text(response.data)
    assert "Alva Persson" in text and "RSMH Stockholm" in text and "Vårkonferensen" in text
    assert "Fri entré" in text
    # The QR code carries the badge token only: not the id, the email or the personal link.
    [code] = qr_codes(response.data)
    assert attendee.manage_token not in code and "@" not in code and code != str(attendee.id)


def test_swedish_letters_come_through(client, conference, mailbox):
    attendee = register(conference["event"], conference["ticket"], name="Åsa Öberg-Ärlig",
                        email="asa@example.org", organisation="Region Jämtland Härjedalen")
    data = badge(client, attendee).data
    assert_badge_reads_back(data, attendee)
    [text] = pdf_text(data)
    assert "Åsa Öberg-Ärlig" in text and "Jämtland Härjedalen" in text


@pytest.mark.parametrize("name", [
    "Anna-Karin Margareta Elisabeth Johansson-Lindqvist",
    "Maria Josefina Kristina Alexandra von Hohenzollern-Sigmaringen Åberg",
])
def test_a_very_long_name_still_fits_on_the_badge(client, conference, mailbox, name):
    organisation = "Riksförbundet för Social och Mental Hälsa, lokalavdelningen Västra Götaland"
    attendee = register(conference["event"], conference["ticket"], name=name,
                        email="lang@example.org", organisation=organisation)
    data = badge(client, attendee).data
    assert_badge_reads_back(data, attendee)
    page_width = float(PdfReader(io.BytesIO(data)).pages[0].mediabox.width)
    drawn = text_lines(data)
    # The name shrinks, then wraps onto two or three lines rather than shrinking to nothing.
    name_lines = [line for line in drawn if line[0] in name and line[0] != name]
    assert 2 <= len(name_lines) <= 3
    assert joined("\n".join(text for text, _x, _size in name_lines)) == name
    [organisation_line] = [line for line in drawn if line[0] == organisation]
    for (text, x, size), font, smallest in [(line, "Helvetica-Bold", 10) for line in name_lines] \
            + [(organisation_line, "Helvetica", 5)]:
        assert size >= smallest, f"{text!r} shrunk to {size} pt"
        # Printers leave the outermost millimetres blank, so keep clear of them.
        assert x >= EDGE and x + stringWidth(text, font, size) <= page_width - EDGE, (x, size)


def test_cancelled_and_unknown_registrations_have_no_badge(client, conference, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    badge(client, attendee)
    assert registration_services.cancel(attendee) is True
    assert client.get(f"/r/{attendee.manage_token}/badge.pdf").status_code == 404
    assert client.get("/r/finns-inte/badge.pdf").status_code == 404


def print_badges(client, layout="a6", slug=SLUG):
    """The organiser's Badges button on the exports page (tests/exports has every layout)."""
    return client.post(f"/manage/e/{slug}/exports/badges", data={"layout": layout})


def test_organiser_prints_all_confirmed_badges_one_per_page(organiser, conference, mailbox):
    event, ticket = conference["event"], conference["ticket"]
    people = [register(event, ticket, name=name, email=f"{name.split()[0].lower()}@example.org",
                       organisation=organisation)
              for name, organisation in (("Cecilia Ek", "RSMH"), ("Bo Ström", ""),
                                         ("Ärla Åkesson", "NSPH"), ("Adam Berg", "Hjärnkoll"))]
    registration_services.cancel(people[1])
    by_surname = {p.name: p for p in people}
    confirmed = [by_surname[name] for name in ("Adam Berg", "Cecilia Ek", "Ärla Åkesson")]

    response = print_badges(organiser)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"{SLUG}-badges-a6.pdf" in response.headers["Content-Disposition"]
    pages = single_pages(response.data)
    assert len(pages) == len(confirmed) == 3
    for page, person in zip(pages, confirmed, strict=True):
        assert_badge_reads_back(page, person)
    assert "Bo Ström" not in "".join(pdf_text(response.data))
    assert sorted(qr_codes(response.data)) == sorted(p.badge_token for p in confirmed)


def test_event_badges_are_for_organisers_only(app, client, make_user, conference, mailbox):
    register(conference["event"], conference["ticket"])
    anonymous = print_badges(client)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "dorr@example.org")
    response = print_badges(door)
    assert response.status_code == 403 and not response.data.startswith(b"%PDF")


def test_event_without_confirmed_registrations_has_no_badges(organiser, db, mailbox):
    empty = build_conference()
    assert print_badges(organiser).status_code == 404
    only_cancelled = register(empty["event"], empty["ticket"])
    registration_services.cancel(only_cancelled)
    assert print_badges(organiser).status_code == 404
    assert print_badges(organiser, slug="finns-inte").status_code == 404
    # The old address of the one-per-page print is gone: every print is logged now.
    assert organiser.get(f"/manage/e/{SLUG}/badges.pdf").status_code == 404


def test_two_hundred_badge_tokens_are_all_distinct():
    tokens = [badge_token() for _ in range(200)]
    assert len(set(tokens)) == 200
    assert all(BADGE_TOKEN_RE.fullmatch(token) for token in tokens)


def test_registrations_get_distinct_tokens(conference, mailbox):
    event, ticket = conference["event"], conference["ticket"]
    people = [register(event, ticket, name=f"Person {i}", email=f"p{i}@example.org")
              for i in range(10)]
    assert len({p.badge_token for p in people}) == 10
    assert len({p.manage_token for p in people}) == 10
    assert all(BADGE_TOKEN_RE.fullmatch(p.badge_token) for p in people)
