"""What the door is told of a scan, in the user's language: the same words on the page, in
scan.json, in the API and in a repeated nonce's stored answer."""

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.i18n import fmt_datetime

from . import services
from .checkin_lists import CheckInList

# The headline the door reads, in the user's language, for each outcome.
STATUS_TEXT = {
    "checked_in": _l("Checked in"),
    "already": _l("Already checked in"),
    "not_entitled": _l("Not signed up"),
    "cancelled": _l("Registration cancelled"),
    "other_event": _l("Badge for another event"),
    "unknown": _l("Unknown code"),
    "invalid": _l("Not a badge code"),
}

ICONS = {"checked_in": "✔", "already": "⚠", "not_entitled": "⚠"}


def scanned_by(check_in) -> str | None:
    """Who made a check-in: the door account, or the door device when no one was logged in."""
    if check_in.checked_in_by:
        return check_in.checked_in_by.name
    return check_in.device.name if check_in.device else None


def scan_detail(result: services.ScanResult, event, checkin_list: CheckInList) -> str:
    """The line under the headline: what happened before, or what to do now."""
    registration, check_in = result.registration, result.check_in
    if result.outcome == "checked_in":
        return " · ".join(part for part in (registration.organisation,
                                            registration.ticket_type.name) if part)
    if result.outcome == "already":
        when = _("At %(time)s", time=fmt_datetime(check_in.checked_in_at, event.timezone))
        if scanned_by(check_in):
            when += " " + _("by %(name)s", name=scanned_by(check_in))
        when += "."
        if not checkin_list.is_entrance:
            when += " " + _("Coming in again is noted; it is not counted twice.")
        return when
    if result.outcome == "not_entitled":
        return _("Registered for the event, but not signed up for %(list)s.",
                 list=checkin_list.name)
    if result.outcome == "cancelled":
        return _("This badge belongs to a cancelled registration. Ask an organiser.")
    if result.outcome == "other_event":
        return _("This badge is for %(event)s.", event=registration.event.name)
    if result.outcome == "unknown":
        return _("No badge has this code. Check the code, or find the person in the list of "
                 "registrations.")
    return _("A badge code has 26 letters and digits. Scan again or type it.")


def annul_url(result: services.ScanResult, door: services.Door) -> str | None:
    """Where the last scan can be undone, for the door account or device that made it or an
    organiser."""
    check_in = result.check_in
    if result.outcome != "checked_in" \
            or not services.may_annul(check_in, door):
        return None
    return url_for("checkin.annul", slug=door.event.slug, check_in_id=check_in.id)


def door_answer(result: services.ScanResult, door: services.Door,
                checkin_list: CheckInList) -> dict:
    """The JSON answer of one scan, for door.js and the API alike."""
    event = door.event
    registration, check_in = result.registration, result.check_in
    if result.checked_in is None:  # no badge of this event: the counts were not read yet
        result.checked_in, result.expected = services.progress(event, checkin_list)
    answer = {"outcome": result.outcome, "status": str(STATUS_TEXT[result.outcome]),
              "icon": ICONS.get(result.outcome, "✖"),
              "detail": scan_detail(result, event, checkin_list),
              "list": checkin_list.key, "name": None, "ticket_type": None,
              "organisation": None, "check_in": None, "annul_url": annul_url(result, door),
              "checked_in": result.checked_in, "expected": result.expected}
    if registration is not None and result.outcome != "other_event":
        answer.update(name=registration.name, ticket_type=registration.ticket_type.name,
                      organisation=registration.organisation or None)
    if check_in is not None:
        answer["check_in"] = {"id": check_in.id, "at": check_in.checked_in_at.isoformat(),
                              "by": scanned_by(check_in)}
    return answer
