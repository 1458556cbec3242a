"""Finding registrations by what people type, forgiving case and accents: "ostrom" finds
"Öström", "asa" finds "Åsa"; and ordering them by name or surname in the Swedish alphabet
(Åberg, Ängby and Öström after Zetterberg). The one owner of those rules (`fold`,
`sort_key`) and of the stored columns made with them, `Registration.search_text`, `name_key`
and `surname_key`, which it keeps current on every insert and every change of the name,
email, organisation or order through the ORM (mapper events below).

A search is then plain SQL on the stored column, one `LIKE '%word%'` per word, the same on
SQLite and PostgreSQL: the database compares text the application has already folded, so no
collation, extension or function of either database is involved. The door
(app/checkin/lists.py) and the organiser's attendee list (attendee_list.py) both search
this way. A bulk INSERT (the benches) runs no mapper events and fills the columns in itself
(`searchable`); migration 0016 filled them in for the rows that existed before."""

import unicodedata
from functools import lru_cache

from sqlalchemy import and_, event, inspect, select

from app.orders.models import Order

from .models import Registration

# Every combining mark (they all lie below U+20000), for str.translate to drop in one pass.
_MARKS = dict.fromkeys(cp for cp in range(0x20000) if unicodedata.combining(chr(cp)))
# Å, Ä and Ö are letters of their own after Z; Æ and Ø sort as Ä and Ö. Characters just after
# "z" stand for them in a sort key, which the database compares by code point (SortKey).
_AFTER_Z = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"})
# What changes the stored text: the fields it is made of, and the order (its code).
_SOURCES = ("name", "email", "organisation", "order_id", "order")


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Text as a search compares it: "Öström" and "ostrom", "Åsa" and "asa" are equal.
    Remembered, as the door searches the same people all day."""
    return unicodedata.normalize("NFKD", text or "").translate(_MARKS).casefold()


def search_text_of(name: str, email: str, organisation: str, order_code: str) -> str:
    """What `Registration.search_text` holds: the folded name, email, organisation and order
    code."""
    return " ".join(fold(part) for part in (name, email, organisation, order_code) if part)


def sort_key(text: str) -> str:
    """Text as lists order it: case and accents ignored except Å, Ä and Ö, which come after
    Z as in Swedish ("Ek" < "Ekström" < "Zorn" < "Åberg" < "Ärlig" < "Öst")."""
    return fold(unicodedata.normalize("NFC", text or "").casefold().translate(_AFTER_Z))


def name_key_of(name: str) -> str:
    """What `Registration.name_key` holds: the name as lists order it."""
    return " ".join(sort_key(name).split())


def surname_key_of(name: str) -> str:
    """What `Registration.surname_key` holds: the last word of the name, then the whole name,
    so ordering by it orders by surname and then first name."""
    words = sort_key(name).split()
    return f"{words[-1]} {' '.join(words)}" if words else ""


def searchable(row: dict, order_code: str = "") -> dict:
    """A registration's values for a bulk INSERT (which runs no mapper events), with the
    search columns filled in from its name, email and organisation."""
    return {**row, "search_text": search_text_of(row["name"], row["email"],
                                                 row.get("organisation", ""), order_code),
            "name_key": name_key_of(row["name"]), "surname_key": surname_key_of(row["name"])}


def words(query: str) -> list[str]:
    """The folded words of what was typed; every one must be found."""
    return fold(query).split()


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching(query: str):
    """The SQL condition "every word of the query is in the registration's search text", or
    None when the query has no words. `%` and `_` typed by a person match only themselves."""
    found = words(query)
    if not found:
        return None
    return and_(*(Registration.search_text.like(f"%{_escaped(word)}%", escape="\\")
                  for word in found))


def _order_code(connection, registration: Registration) -> str:
    """The code of the registration's order: from the order object when it is loaded (a new
    order is not in the database yet), otherwise read on the flush's own connection."""
    order = registration.__dict__.get("order")
    if order is not None:
        return order.code or ""
    if registration.order_id is None:
        return ""
    return connection.scalar(select(Order.code).where(Order.id == registration.order_id)) or ""


def _refresh(connection, registration: Registration) -> None:
    registration.search_text = search_text_of(
        registration.name, registration.email, registration.organisation,
        _order_code(connection, registration))
    registration.name_key = name_key_of(registration.name)
    registration.surname_key = surname_key_of(registration.name)


@event.listens_for(Registration, "before_insert")
def _on_insert(_mapper, connection, registration):
    _refresh(connection, registration)


@event.listens_for(Registration, "before_update")
def _on_update(_mapper, connection, registration):
    state = inspect(registration)
    if any(state.attrs[name].history.has_changes() for name in _SOURCES):
        _refresh(connection, registration)
