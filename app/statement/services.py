"""The accessibility statement's rules: what the page shows (the administrator's text, or
Samla's own default text until one is saved) and saving it.

Digg (Myndigheten för digital förvaltning) asks a statement for: whose service it is, its
name, whether it is fully, partially or not compliant, what is not accessible and why, content
exempted as a disproportionate burden (12 § of the law) and content the law does not cover
(9 §), how to report shortcomings (a feedback mechanism), a link to Digg's own reporting
function (Digg supervises the law), how the statement was made, and the dates of the
assessment and of the latest review. The administrator writes what only they can know; the
parts the law fixes (the enforcement paragraph and its link) are the template's."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.db_types import utcnow
from app.errors import Refusal
from app.extensions import db

from .models import AccessibilityStatement

LANGUAGES = ("sv", "en")
TEXTS = ("shortcomings", "burden", "out_of_scope", "feedback", "method")
FIELDS = ("organisation", "service_name", "compliance", "contact_email", "contact_phone",
          *(f"{text}_{language}" for text in TEXTS for language in LANGUAGES),
          "assessed_on", "reviewed_on")
# Where Digg takes reports of inaccessible public digital services.
DIGG_REPORT_URL = "https://www.digg.se/tdosanmalan"

# What Samla says of itself until the administrator saves the statement. Written from what the
# test suite checks and what it does not (README, "Tests"); the administrator reviews it, names
# their organisation and contact, and keeps it true for their own content.
DEFAULTS = {
    "organisation": "NSPH",
    "service_name": "Samla",
    "compliance": "partial",
    "contact_email": "",
    "contact_phone": "",
    "shortcomings_sv": (
        "Namnbrickor, kvitton, fakturor, namnlistor och utskriftsark är PDF-filer utan taggar, "
        "så en skärmläsare kan inte läsa dem i rätt ordning. Verktyget som gör filerna kan inte "
        "tagga dem. Samma uppgifter finns som webbsidor: din anmälan på din personliga sida och "
        "beställningen på beställningssidan.\n"
        "Att skanna en namnbricka med kameran vid entrén kräver att man ser skärmen. Entrévärden "
        "kan i stället skriva koden under QR-koden eller söka på deltagarens namn.\n"
        "Texter och bilder som arrangörer och talare själva lägger in, till exempel beskrivningar "
        "och talarfoton, granskas inte av Samla. Ett talarfoto har talarens namn som "
        "alternativtext."),
    "shortcomings_en": (
        "Badges, receipts, invoices, name lists and print sheets are PDF files without tags, so "
        "a screen reader cannot read them in the right order. The tool that makes the files "
        "cannot tag them. The same details are web pages: your registration on your personal "
        "page and the order on the order page.\n"
        "Scanning a badge with the camera at the entrance needs sight of the screen. Door staff "
        "can type the code printed under the QR code or search for the attendee's name "
        "instead.\n"
        "Texts and pictures that organisers and speakers add themselves, such as descriptions "
        "and speaker photos, are not checked by Samla. A speaker's photo has the speaker's name "
        "as its text alternative."),
    "burden_sv": "Vi har inte undantagit något innehåll som oskäligt betungande att anpassa.",
    "burden_en": "We have not exempted any content as a disproportionate burden.",
    "out_of_scope_sv": (
        "Kortbetalningen sker på Stripes webbplats, som vi inte ansvarar för. Betalning mot "
        "faktura finns som alternativ."),
    "out_of_scope_en": (
        "Card payment happens on Stripe's website, which we are not responsible for. Paying by "
        "invoice is an alternative."),
    "feedback_sv": (
        "Om du inte kan använda något på webbplatsen, eller behöver innehåll i ett annat format, "
        "berätta det för oss: vilken sida det gäller och vad som inte fungerar."),
    "feedback_en": (
        "If you cannot use something on the website, or need content in another format, tell "
        "us: which page it is and what does not work."),
    "method_sv": (
        "Redogörelsen bygger på en självskattning av Samla som den levereras. Varje slags sida "
        "kontrolleras automatiskt med Nu HTML Checker, och de viktigaste flödena (anmälan, "
        "deltagarens sida, entrén, arrangörens sidor) med axe-core mot WCAG 2.1 nivå A och AA "
        "i Chromium, i mobil- och datorstorlek. Testerna kontrollerar också att sidorna går att "
        "använda 320 pixlar breda och med tangentbord. Webbplatsen har inte granskats av någon "
        "utomstående och inte prövats av användare med skärmläsare."),
    "method_en": (
        "The statement is a self-assessment of Samla as it is delivered. Every kind of page is "
        "checked automatically with the Nu HTML Checker, and the main flows (registration, the "
        "attendee's page, the door, the organiser's pages) with axe-core against WCAG 2.1 "
        "levels A and AA in Chromium, at phone and desktop sizes. The tests also check that "
        "pages can be used 320 pixels wide and with a keyboard. The website has not been "
        "reviewed by an outside party, nor tried by users of screen readers."),
    "assessed_on": date(2026, 12, 2),
    "reviewed_on": date(2026, 12, 2),
}
COMPLIANCE_LABELS = {
    "full": _l("fully compliant"),
    "partial": _l("partially compliant"),
    "none": _l("not compliant"),
}


class StatementConflict(Refusal):
    status = 409


@dataclass(frozen=True)
class Text:
    """A text as the page shows it, with the language it is written in (an English page shows
    the Swedish text when no English one was written, marked lang="sv")."""

    text: str
    language: str

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Statement:
    organisation: str
    service_name: str
    compliance: str
    contact_email: str
    contact_phone: str
    shortcomings: Text
    burden: Text
    out_of_scope: Text
    feedback: Text
    method: Text
    assessed_on: date
    reviewed_on: date
    saved: bool  # False: Samla's default text, never reviewed by an administrator

    @property
    def compliance_label(self) -> str:
        return str(COMPLIANCE_LABELS[self.compliance])


def stored() -> AccessibilityStatement | None:
    return db.session.scalar(
        select(AccessibilityStatement).order_by(AccessibilityStatement.id).limit(1))


def values() -> dict:
    """Every field as the form shows it: what was saved, else the defaults."""
    row = stored()
    if row is None:
        return dict(DEFAULTS)
    return {name: getattr(row, name) for name in FIELDS}


def _text(data: dict, name: str, language: str) -> Text:
    own = (data.get(f"{name}_{language}") or "").strip()
    if own or language == "sv":
        return Text(own, language)
    return Text((data.get(f"{name}_sv") or "").strip(), "sv")


def current(language: str) -> Statement:
    """The statement in `language` (one query)."""
    row = stored()
    data = dict(DEFAULTS) if row is None else {name: getattr(row, name) for name in FIELDS}
    language = language if language in LANGUAGES else "sv"
    return Statement(
        organisation=data["organisation"], service_name=data["service_name"],
        compliance=data["compliance"], contact_email=data["contact_email"] or "",
        contact_phone=data["contact_phone"] or "",
        **{name: _text(data, name, language) for name in TEXTS},
        assessed_on=data["assessed_on"], reviewed_on=data["reviewed_on"], saved=row is not None,
    )


def save(data: dict, user) -> AccessibilityStatement:
    """Store the statement (`data` holds every name in FIELDS) and log who changed it; the
    caller's unit of work commits. Two administrators saving the very first statement at once:
    the second is refused (409) and stores nothing."""
    row = db.session.scalar(
        select(AccessibilityStatement).order_by(AccessibilityStatement.id).limit(1)
        .with_for_update())
    if row is None:
        row = AccessibilityStatement(id=1)
        db.session.add(row)
    for name in FIELDS:
        value = data[name]
        setattr(row, name, value.strip() if isinstance(value, str) else value)
    row.updated_at = utcnow()
    row.updated_by_id = getattr(user, "id", None)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise StatementConflict(_l("Someone else saved the statement at the same moment. "
                                   "Look at it again and save once more.")) from error
    record(None, user, "statement.updated",
           {"compliance": row.compliance, "reviewed_on": row.reviewed_on})
    return row
