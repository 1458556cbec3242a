"""Unguessable tokens for links and badges."""

import base64
import re
import secrets

BADGE_TOKEN_RE = re.compile(r"^[A-Z2-7]{26}$")


def badge_token() -> str:
    """128 random bits as base32: upper-case letters and digits only, which a handheld scanner
    set to a Swedish keyboard layout types correctly (no symbols that move between layouts)."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")


def normalise_badge_input(raw: str) -> str:
    """What a person or a scanner typed, cleaned of spaces, dashes and case."""
    return re.sub(r"[\s\-]", "", raw or "").upper()


def link_token() -> str:
    """Secret part of a personal link sent by email (attendee, speaker)."""
    return secrets.token_urlsafe(24)


def certificate_code() -> str:
    """A certificate's public id: 128 random bits in the badge's alphabet, so it can be read
    off the paper and typed, and no one can guess another holder's."""
    return badge_token()
