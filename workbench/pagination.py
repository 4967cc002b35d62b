"""Pages of a list that grows with the data (articles, speakers, history entries).

Pure: a page number, a page size and a count give the offset and the links. The
operations read one page with ``LIMIT``/``OFFSET`` in a stable order (ending with
the primary key) and count the whole list with an aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.errors import NotFound


@dataclass(frozen=True, slots=True)
class Page:
    """Page ``number`` (from 1) of ``total`` items, ``size`` a page."""

    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (1 for an empty list: its page says it is empty)."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first_item(self) -> int:
        """The number (from 1) of the page's first item; 0 on an empty list."""
        return min(self.offset + 1, self.total)

    @property
    def last_item(self) -> int:
        return min(self.offset + self.size, self.total)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_of(number: int | None, size: int, total: int) -> Page:
    """Return page ``number`` (None: the first) of ``total`` items, ``size`` a page.

    Raises NotFound for a page after the last one: its link is out of date, or made up.
    """
    page = Page(number or 1, size, total)
    if page.number < 1 or page.number > page.pages:
        raise NotFound(
            f"There is no page {page.number}: the list has {page.pages} "
            f"page{'s' if page.pages != 1 else ''}."
        )
    return page
