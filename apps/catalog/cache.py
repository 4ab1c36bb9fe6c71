"""What the catalog keeps in the cache, and how it is thrown away.

- A product page's data lives under a per-product key, deleted when anything of that
  product changes (product, SKU, price, image, stock, reviews).
- Listings (home, category, search) carry a generation number in their keys; a change
  that can move a product in or out of a list, or change a price shown in it, bumps the
  generation, so every listing key changes at once.
Invalidation runs after commit, so a reader can never re-cache the old row between the
delete and the commit.
"""

from django.core.cache import cache
from django.db import transaction

PRODUCT_TTL = 60 * 60
LISTING_TTL = 10 * 60
_GENERATION_KEY = "catalog:listing-generation"


def product_key(product_id: int) -> str:
    return f"catalog:product:{product_id}"


def listing_key(name: str, *parts) -> str:
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        cache.add(_GENERATION_KEY, 1, timeout=None)
        generation = cache.get(_GENERATION_KEY, 1)
    return ":".join(["catalog:listing", str(generation), name, *(str(p) for p in parts)])


def invalidate_product(product_id: int, *, listings: bool = True) -> None:
    def drop():
        cache.delete(product_key(product_id))
        if listings:
            _bump_generation()

    transaction.on_commit(drop)


def invalidate_listings() -> None:
    transaction.on_commit(_bump_generation)


def _bump_generation() -> None:
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        cache.add(_GENERATION_KEY, 2, timeout=None)
