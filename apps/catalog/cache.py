"""What the catalog keeps in the cache, and how it is thrown away.

- A product page's data lives under a per-product key that carries the product's cache
  version; anything that changes the product (product, SKU, price, image, stock,
  reviews) bumps the version. A reader that loaded the old rows just before the
  commit can only write them under the old version's key, which nobody reads again.
- Listings (home, category, search) carry a generation number in their keys; a change
  that can move a product in or out of a list, or change a price shown in it, bumps the
  generation, so every listing key changes at once.
Versions start from the clock, so a version key lost from the cache (evicted, or Redis
restarted) starts again above every number used before. Bumps run after commit.
"""

import hashlib
import logging
import time

from django.core.cache import cache
from django.db import transaction

PRODUCT_TTL = 60 * 60
LISTING_TTL = 10 * 60
_GENERATION_KEY = "catalog:listing-generation"

logger = logging.getLogger(__name__)


def product_key(product_id: int) -> str:
    return f"catalog:product:{product_id}:v{_current(_product_version_key(product_id))}"


def _product_version_key(product_id: int) -> str:
    return f"catalog:product-version:{product_id}"


def listing_key(name: str, *parts) -> str:
    return ":".join(["catalog:listing", str(_current(_GENERATION_KEY)), name, *(str(p) for p in parts)])


def _current(key: str) -> int:
    version = cache.get(key)
    if version is None:
        cache.add(key, time.time_ns(), timeout=None)
        version = cache.get(key) or 0
    return version


def digest(*parts) -> str:
    """A short, key-safe stand-in for free text (search words, filter values) in cache keys."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def invalidate_product(product_id: int, *, listings: bool = True) -> None:
    def drop():
        _bump(_product_version_key(product_id))
        if listings:
            _bump_generation()

    transaction.on_commit(drop, robust=True)


def invalidate_listings() -> None:
    transaction.on_commit(_bump_generation, robust=True)


def _bump_generation() -> None:
    _bump(_GENERATION_KEY)


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # never set, or evicted: a fresh clock value is above every old one
        cache.add(key, time.time_ns(), timeout=None)
    except Exception:
        # The change is committed; a cache that is down must not turn it into an error.
        # Entries written before the outage expire within their TTL.
        logger.exception("catalog cache invalidation of %s failed", key)
