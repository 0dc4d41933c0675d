"""``c360 serve``: a read-only HTTP service over the published version (the customer card for the WeCom
sidebar): lookups by any identifier, the card, a page for the sidebar."""
