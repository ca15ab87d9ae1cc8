"""A tiny shop: carts, checkout and receipts."""
