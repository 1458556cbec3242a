"""The attendee list's GET parameters, read into a `ListQuery`, and the links that keep them.

Every parameter is optional. A value the form does not offer (a ticket type of another
event, an unknown sort, a page that is not a number) is ignored, so a link edited by hand
shows the list without that filter, and the form shows which filters apply; nothing a
browser sends makes an error."""

from dataclasses import asdict, dataclass, replace

from flask_babel import lazy_gettext as _l

from app.orders.models import PAYMENT_STATUSES

MAX_QUERY = 200
MAX_PAGE = 100_000
STATUSES = ("confirmed", "pending", "cancelled", "expired")
CHECKED_IN = ("yes", "no")
NEEDS = ("any", "dietary", "accessibility", "none")
# name: by first name; surname: by last name; newest and oldest: by when they registered;
# ticket: by ticket type in the organiser's order, then surname.
SORTS = ("name", "surname", "newest", "oldest", "ticket")
DEFAULT_SORT = "name"
SORT_LABELS = {"name": _l("Name"), "surname": _l("Surname"), "newest": _l("Newest first"),
               "oldest": _l("Oldest first"), "ticket": _l("Ticket type")}
CHECKED_IN_LABELS = {"yes": _l("Checked in"), "no": _l("Not checked in")}
NEEDS_LABELS = {"any": _l("Some need given"), "dietary": _l("Dietary needs given"),
                "accessibility": _l("Accessibility needs given"), "none": _l("No needs given")}


@dataclass(frozen=True)
class ListQuery:
    q: str = ""
    ticket: int | None = None
    status: str = ""
    payment: str = ""
    checked_in: str = ""
    item: int | None = None
    needs: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the list (sorting and paging do not)."""
        return any((self.q, self.ticket, self.status, self.payment, self.checked_in,
                    self.item, self.needs))

    def args(self, **changes) -> dict:
        """The query as URL parameters, leaving out what is as by default, for url_for: the
        links of the pages and sorts keep every filter."""
        values = asdict(replace(self, **changes))
        defaults = asdict(ListQuery())
        return {key: value for key, value in values.items() if value != defaults[key]}


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _one_of(text: str | None, allowed) -> str:
    return text if text in allowed else ""


def read_query(args, ticket_ids, item_ids) -> ListQuery:
    """The list's parameters from `args` (request.args). `ticket_ids` and `item_ids` are what
    the event offers to filter by: its ticket types and its items that take sign-ups."""
    ticket, item, page = _int(args.get("ticket")), _int(args.get("item")), _int(args.get("page"))
    return ListQuery(
        q=" ".join(args.get("q", "").split())[:MAX_QUERY],
        ticket=ticket if ticket in ticket_ids else None,
        status=_one_of(args.get("status"), STATUSES),
        payment=_one_of(args.get("payment"), PAYMENT_STATUSES),
        checked_in=_one_of(args.get("checked_in"), CHECKED_IN),
        item=item if item in item_ids else None,
        needs=_one_of(args.get("needs"), NEEDS),
        sort=_one_of(args.get("sort"), SORTS) or DEFAULT_SORT,
        page=min(max(page or 1, 1), MAX_PAGE),
    )
