"""Who may use which organiser pages of an event: the rule each organiser blueprint declares
(`organiser_pages(area, __name__, roles=..., read_only_for=...)` in app.events.manage), checked
once per request by that blueprint's preprocessor.

- An administrator may use every page of every event.
- `roles`: the team roles that may use the blueprint's pages, to read and to change.
- `read_only_for`: roles that may read them (GET) but not send a form.
- "readonly" may read every organiser page and change nothing, whatever a page declares.
- A view may declare its own rule with `@team_roles(...)` below its route decorator."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.errors import Refusal

from .models import ADMIN, DOOR, FINANCE, ORGANISER, OWNER, READONLY, TEAM_ROLES

# The usual declarations.
EDITORS = (OWNER, ORGANISER)  # the event itself: programme, tickets, registrations ...
MONEY = (OWNER, ORGANISER, FINANCE)  # orders, payments, invoices, refunds
OWNERS = (OWNER,)  # the team
AT_THE_DOOR = (OWNER, ORGANISER, DOOR)  # the door pages: check in, find, print a badge again

READING = frozenset({"GET", "HEAD", "OPTIONS"})

ROLE_LABELS = {
    OWNER: _l("Owner"),
    ORGANISER: _l("Organiser"),
    FINANCE: _l("Finance"),
    DOOR: _l("Door staff"),
    READONLY: _l("Read only"),
    ADMIN: _l("Administrator"),
}
ROLE_HINTS = {
    OWNER: _l("Everything, and the team."),
    ORGANISER: _l("Everything but the team."),
    FINANCE: _l("Orders, payments, invoices and refunds; the event's page to read."),
    DOOR: _l("The door pages: check people in, find them, print a badge again."),
    READONLY: _l("May look at every organiser page and change nothing."),
}


class TeamAccessRefused(Refusal):
    """The person is in the event's team, but their role does not open this page."""

    status = 403


READ_ONLY = _l("You have read-only access to this event: you can look at its pages but not "
               "change anything. Ask an owner of the event if you need another role.")


@dataclass(frozen=True)
class PageAccess:
    roles: tuple[str, ...]
    read_only_for: tuple[str, ...] = ()

    def __post_init__(self):
        unknown = set(self.roles) | set(self.read_only_for)
        unknown -= set(TEAM_ROLES)
        if unknown or not self.roles:
            raise ValueError(f"team roles must be some of {TEAM_ROLES}, not {sorted(unknown)}")

    def check(self, role: str, method: str) -> None:
        """Raise TeamAccessRefused unless `role` may use the page with this HTTP method."""
        if role == ADMIN or role in self.roles:
            return
        reading = method in READING
        if reading and (role == READONLY or role in self.read_only_for):
            return
        if role == READONLY or role in self.read_only_for:
            raise TeamAccessRefused(READ_ONLY)
        raise TeamAccessRefused(_l(
            "Your role in this event's team (%(role)s) does not open this page. Ask an owner "
            "of the event if you need it.", role=ROLE_LABELS.get(role, role)))

    def allows(self, role: str | None, method: str = "GET") -> bool:
        if role is None:
            return False
        try:
            self.check(role, method)
        except TeamAccessRefused:
            return False
        return True


def team_roles(*roles: str, read_only_for: tuple[str, ...] = ()):
    """One view's own rule instead of its blueprint's; put it below the route decorator."""
    access = PageAccess(tuple(roles), tuple(read_only_for))

    def mark(view):
        view.team_access = access
        return view

    return mark


def may_check_in(role: str | None) -> bool:
    return role == ADMIN or role in AT_THE_DOOR


def may_edit(role: str | None) -> bool:
    """Owners and organisers of the event, and administrators."""
    return role == ADMIN or role in EDITORS
