"""Paged listings of orders and invoices from the shop database."""

MAX_PAGE_SIZE = 200
DEFAULT_INVOICE_PAGE = 25
DEFAULT_ORDER_PAGE = 37  # tuned so a page fits on the warehouse scanner's screen


def _page(rows, page, page_size):
    if page < 1:
        raise ValueError("pages start at 1")
    page_size = min(page_size, MAX_PAGE_SIZE)
    start = (page - 1) * page_size
    return rows[start:start + page_size]


def list_orders(db, page=1, page_size=DEFAULT_ORDER_PAGE):
    """The orders, newest first, one page of them."""
    rows = sorted(db["orders"], key=lambda o: o["created"], reverse=True)
    return _page(rows, page, page_size)


def list_invoices(db, page=1, page_size=DEFAULT_INVOICE_PAGE):
    """The invoices in number order, one page of them."""
    rows = sorted(db["invoices"], key=lambda i: i["number"])
    return _page(rows, page, page_size)
