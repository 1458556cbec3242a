"""The organiser's attendees: the list of everyone registered for an event, with search,
filters, sorting and paging, and a page per person. It sits above registration, orders,
payments, programme and check-in, whose rows it reads together; it writes nothing of its own."""
