"""Print the URLs to load-test, one `name<TAB>path` per line (run with bench.settings).

Paths come from the URL names, so the harness follows the routes as they change; a page
whose route does not exist yet is printed with an empty path and reported as skipped.
"""

from urllib.parse import urlencode

import django
from django.urls import NoReverseMatch, reverse

SEARCH_WORDS = "手机"  # matches a few hundred of the 10,000 demo products
CATEGORY = "phones"  # a second-level category: its page lists a whole subtree


def _path(name: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def targets() -> list[tuple[str, str]]:
    from apps.catalog.models import Category, Product

    category = Category.objects.filter(slug=CATEGORY).first() or Category.objects.order_by("path").first()
    product = (
        Product.objects.filter(status=Product.Status.PUBLISHED, images__isnull=False)
        .order_by("id")
        .only("slug")
        .first()
    )
    search = _path("catalog:search")
    return [
        ("category page", _path("catalog:category", slug=category.slug) if category else ""),
        ("product page", _path("catalog:product", slug=product.slug) if product else ""),
        ("search", f"{search}?{urlencode({'q': SEARCH_WORDS})}" if search else ""),
        ("products API", "/api/v1/products/"),
        ("ceiling", _path("bench-ceiling")),
    ]


if __name__ == "__main__":
    django.setup()
    for name, path in targets():
        print(f"{name}\t{path}")
