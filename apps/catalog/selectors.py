"""Catalog reads. Lists take a fixed number of queries however many products they show."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet

from apps.catalog import cache as catalog_cache
from apps.catalog.models import SKU, AttributeValue, Brand, Category, Product, ProductImage, Review

ORDERINGS = {
    "newest": ("-published_at", "-id"),
    "price": ("min_price", "id"),
    "-price": ("-min_price", "-id"),
    "rating": ("-rating_avg", "-rating_count", "-id"),
    "bestselling": ("-sales_count", "-id"),
}
DEFAULT_ORDERING = "newest"


def published_products() -> QuerySet[Product]:
    """Published products with what a product card shows (brand, category, images)."""
    return (
        Product.objects.filter(status=Product.Status.PUBLISHED)
        .select_related("brand", "category")
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))
    )


def products_in_category(queryset: QuerySet[Product], category: Category) -> QuerySet[Product]:
    """The whole subtree: one prefix match on the materialised path."""
    return queryset.filter(category__path__startswith=category.path)


def products_with_values(queryset: QuerySet[Product], value_slugs: dict[str, list[str]]) -> QuerySet[Product]:
    """Products with an active SKU that has one of the values of every attribute asked for."""
    if not value_slugs:
        return queryset
    skus = SKU.objects.filter(product=OuterRef("pk"), is_active=True)
    for attribute_slug, slugs in value_slugs.items():
        skus = skus.filter(
            attribute_values__in=AttributeValue.objects.filter(attribute__slug=attribute_slug, slug__in=slugs)
        )
    return queryset.filter(Exists(skus))


def products_matching(queryset: QuerySet[Product], text: str) -> QuerySet[Product]:
    """Search name, brand, category and description.

    PostgreSQL: full-text search (websearch syntax) ranked by relevance, or a substring
    match for text a word parser does not split (Chinese); both use GIN indexes.
    Elsewhere: every word as a substring.
    """
    text = " ".join(text.split())[:100].lower()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config="simple", search_type="websearch")
        vector = SearchVector("search_document", config="simple")
        return queryset.annotate(search=vector, relevance=SearchRank(vector, query)).filter(
            Q(search=query) | Q(search_document__contains=text)
        )
    for word in text.split():
        queryset = queryset.filter(search_document__contains=word)
    return queryset


def products_ordered(queryset: QuerySet[Product], ordering: str | None, *, searching: bool = False):
    if not ordering and searching and connection.vendor == "postgresql":
        return queryset.order_by("-relevance", "-id")
    return queryset.order_by(*ORDERINGS.get(ordering or DEFAULT_ORDERING, ORDERINGS[DEFAULT_ORDERING]))


def product_for_page(*, slug: str) -> Product:
    """A published product with everything its page shows, in a fixed number of queries."""
    active_skus = SKU.objects.filter(is_active=True).prefetch_related(
        Prefetch("attribute_values", queryset=AttributeValue.objects.select_related("attribute"))
    )
    return (
        Product.objects.filter(status=Product.Status.PUBLISHED)
        .select_related("brand", "category")
        .prefetch_related(
            Prefetch("skus", queryset=active_skus.order_by("price", "id"), to_attr="active_skus"),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )
        .get(slug=slug)
    )


def category_tree() -> list[dict]:
    """The whole tree as nested dicts, from one query."""
    nodes: list[dict] = []
    stack: list[dict] = []
    for category in Category.objects.get_tree():
        node = {"category": category, "children": []}
        while stack and stack[-1]["category"].depth >= category.depth:
            stack.pop()
        (stack[-1]["children"] if stack else nodes).append(node)
        stack.append(node)
    return nodes


def category_breadcrumbs(category: Category) -> list[Category]:
    return [*Category.objects.get_ancestors(category), category]


def brands_all() -> QuerySet[Brand]:
    return Brand.objects.all()


def reviews_approved(*, product: Product) -> QuerySet[Review]:
    return Review.objects.filter(product=product, status=Review.Status.APPROVED).select_related("user")


# --- storefront ---
# The storefront's reads, cached as plain dicts (never model instances) under the keys of
# apps.catalog.cache, which the services invalidate after every commit that changes a
# product, SKU, price, image, stock or review.

LISTING_PAGE_SIZE = 24
HOME_SECTION_SIZE = 8


def storefront_categories() -> list[dict]:
    """Every category in tree order, from one query (cached): the menu, breadcrumbs, category pages."""
    key = catalog_cache.listing_key("categories")
    categories = cache.get(key)
    if categories is None:
        categories = [
            {
                "id": category.pk,
                "name": category.name,
                "slug": category.slug,
                "path": category.path,
                "depth": category.depth,
                "url": category.get_absolute_url(),
                "description": category.description,
                "seo_title": category.seo_title,
                "seo_description": category.seo_description,
            }
            for category in Category.objects.get_tree()
        ]
        cache.set(key, categories, catalog_cache.LISTING_TTL)
    return categories


def storefront_category_menu() -> list[dict]:
    """Top-level categories, each with its direct children."""
    menu: list[dict] = []
    for category in storefront_categories():
        if category["depth"] == 1:
            menu.append({**category, "children": []})
        elif category["depth"] == 2 and menu and category["path"].startswith(menu[-1]["path"]):
            menu[-1]["children"].append(category)
    return menu


def storefront_category(*, slug: str) -> dict:
    """A category with its trail from the root and its direct children; Category.DoesNotExist if none."""
    categories = storefront_categories()
    found = next((c for c in categories if c["slug"] == slug), None)
    if found is None:
        raise Category.DoesNotExist(slug)
    ancestor_paths = {found["path"][:end] for end in range(Category.steplen, len(found["path"]), Category.steplen)}
    return {
        **found,
        "trail": [c for c in categories if c["path"] in ancestor_paths] + [found],
        "children": [c for c in categories if c["depth"] == found["depth"] + 1 and c["path"].startswith(found["path"])],
    }


def storefront_products_in_category(*, category: dict) -> QuerySet[Product]:
    # The subtree rule is products_in_category's; it only needs the node's path.
    node = Category(pk=category["id"], path=category["path"], depth=category["depth"])
    return products_in_category(published_products(), node)


def product_cards(products) -> list[dict]:
    """What a product card shows, as plain values (products come from published_products())."""
    cards = []
    for product in products:
        first_image = next(iter(product.images.all()), None)
        cards.append(
            {
                "id": product.pk,
                "name": product.name,
                "url": product.get_absolute_url(),
                "brand": product.brand.name if product.brand_id else "",
                "thumbnail": first_image.thumbnail.url if first_image and first_image.thumbnail else "",
                "alt": (first_image.alt if first_image else "") or product.name,
                "min_price": product.min_price,
                "max_price": product.max_price,
                "rating_avg": product.rating_avg,
                "rating_count": product.rating_count,
                "in_stock": product.in_stock,
            }
        )
    return cards


def storefront_listing_key(*, scope: tuple, query: dict[str, list[str]]) -> str:
    """The cache identity of a filtered list: where it is (a category, search words) and what was asked."""
    return catalog_cache.digest(scope, sorted((name, sorted(values)) for name, values in query.items()))


def storefront_listing_page(*, listing: str, queryset: QuerySet[Product], page_number) -> tuple[Page, list[dict]]:
    """One page of a list as cards. The count and each page are cached; InvalidPage for a page that does not exist."""
    count_key = catalog_cache.listing_key("count", listing)
    count = cache.get(count_key)
    if count is None:
        count = queryset.count()
        cache.set(count_key, count, catalog_cache.LISTING_TTL)
    # The paginator only needs the count to check the number and to link the pages.
    page = Paginator(range(count), LISTING_PAGE_SIZE).page(page_number)
    cards_key = catalog_cache.listing_key("cards", listing, page.number)
    cards = cache.get(cards_key)
    if cards is None:
        cards = product_cards(queryset[page.start_index() - 1 : page.end_index()]) if count else []
        cache.set(cards_key, cards, catalog_cache.LISTING_TTL)
    return page, cards


def storefront_facets(*, scope: tuple, queryset: QuerySet[Product]) -> dict:
    """What the filter sidebar offers for a list before its filters: brands, price range, attribute values."""
    key = catalog_cache.listing_key("facets", catalog_cache.digest(scope))
    facets = cache.get(key)
    if facets is not None:
        return facets
    products = Product.objects.filter(pk__in=queryset.values("pk"))
    by_brand = list(
        products.values("brand__slug", "brand__name")
        .annotate(count=Count("id"), low=Min("min_price"), high=Max("max_price"))
        .order_by("brand__name")
    )
    lows = [row["low"] for row in by_brand if row["low"] is not None]
    highs = [row["high"] for row in by_brand if row["high"] is not None]
    attributes: dict[int, dict] = {}
    values = (
        AttributeValue.objects.filter(skus__product__in=products, skus__is_active=True)
        .select_related("attribute")
        .distinct()
    )
    for value in values:
        group = attributes.setdefault(
            value.attribute_id, {"name": value.attribute.name, "slug": value.attribute.slug, "values": []}
        )
        group["values"].append({"value": value.value, "param": f"{value.attribute.slug}:{value.slug}"})
    facets = {
        "brands": [
            {"slug": row["brand__slug"], "name": row["brand__name"], "count": row["count"]}
            for row in by_brand
            if row["brand__slug"]
        ],
        "price_low": min(lows) if lows else None,
        "price_high": max(highs) if highs else None,
        "attributes": list(attributes.values()),
    }
    cache.set(key, facets, catalog_cache.LISTING_TTL)
    return facets


def storefront_home() -> dict:
    """Featured products and new arrivals as cards (cached)."""
    key = catalog_cache.listing_key("home")
    sections = cache.get(key)
    if sections is None:
        newest = ORDERINGS["newest"]
        sections = {
            "featured": product_cards(
                published_products().filter(is_featured=True).order_by(*newest)[:HOME_SECTION_SIZE]
            ),
            "new_arrivals": product_cards(published_products().order_by(*newest)[:HOME_SECTION_SIZE]),
        }
        cache.set(key, sections, catalog_cache.LISTING_TTL)
    return sections


def storefront_product(*, slug: str) -> dict:
    """Everything a product page shows apart from reviews, cached under product_key.

    Product.DoesNotExist when there is no published product with this slug.
    """
    slug_key = catalog_cache.listing_key("product-id", catalog_cache.digest(slug))
    product_id = cache.get(slug_key)
    if product_id is None:
        product_id = (
            Product.objects.filter(slug=slug, status=Product.Status.PUBLISHED).values_list("pk", flat=True).first()
        )
        if product_id is None:
            raise Product.DoesNotExist(slug)
        cache.set(slug_key, product_id, catalog_cache.LISTING_TTL)
    # The key is taken before the rows are read: if a save commits in between, its
    # version bump makes this (possibly old) data land under a key nobody reads again.
    key = catalog_cache.product_key(product_id)
    data = cache.get(key)
    if data is None:
        data = _product_page_data(product_for_page(slug=slug))
        cache.set(key, data, catalog_cache.PRODUCT_TTL)
    return data


def _product_page_data(product: Product) -> dict:
    skus = product.active_skus
    attributes: dict[int, dict] = {}
    for sku in skus:
        for value in sku.attribute_values.all():
            group = attributes.setdefault(
                value.attribute_id,
                {
                    "name": value.attribute.name,
                    "slug": value.attribute.slug,
                    "order": (value.attribute.position, value.attribute_id),
                    "values": {},
                },
            )
            group["values"][value.pk] = {
                "id": value.pk,
                "value": value.value,
                "order": (value.position, value.pk),
            }
    groups = []
    for group in sorted(attributes.values(), key=lambda g: g["order"]):
        values = sorted(group["values"].values(), key=lambda v: v["order"])
        groups.append(
            {
                "name": group["name"],
                "slug": group["slug"],
                "values": [{"id": v["id"], "value": v["value"]} for v in values],
            }
        )
    return {
        "id": product.pk,
        "name": product.name,
        "slug": product.slug,
        "url": product.get_absolute_url(),
        "description": product.description,
        "seo_title": product.seo_title,
        "seo_description": product.seo_description,
        "brand": product.brand.name if product.brand_id else "",
        "category": {"name": product.category.name, "url": product.category.get_absolute_url()},
        "breadcrumbs": _breadcrumbs(product.category),
        "min_price": product.min_price,
        "max_price": product.max_price,
        "in_stock": product.in_stock,
        "rating_avg": product.rating_avg,
        "rating_count": product.rating_count,
        "images": [
            {
                "full": image.image.url,
                "medium": image.medium.url if image.medium else image.image.url,
                "thumbnail": image.thumbnail.url if image.thumbnail else image.image.url,
                "alt": image.alt or product.name,
            }
            for image in product.images.all()
        ],
        "attributes": groups,
        "skus": [
            {
                "id": sku.pk,
                "code": sku.code,
                "price": sku.price,
                "compare_at_price": sku.compare_at_price,
                "available": sku.stock_available,
                "values": sorted(v.pk for v in sku.attribute_values.all()),
                "label": " / ".join(v.value for v in sku.attribute_values.all()),
            }
            for sku in skus
        ],
    }


def _breadcrumbs(category: Category) -> list[dict]:
    # From the cached tree that the header menu reads anyway, so it costs no query.
    try:
        trail = storefront_category(slug=category.slug)["trail"]
    except Category.DoesNotExist:  # a category newer than the cached tree
        trail = [{"name": c.name, "url": c.get_absolute_url()} for c in category_breadcrumbs(category)]
    return [{"name": c["name"], "url": c["url"]} for c in trail]


def storefront_product_get(*, slug: str) -> Product:
    """The published product row itself, for what must not come from a cache (writing a review)."""
    return Product.objects.filter(status=Product.Status.PUBLISHED).get(slug=slug)


def review_of_customer(*, user, product_id: int) -> Review | None:
    """The customer's own review of a product, whatever its moderation state."""
    return Review.objects.filter(user=user, product_id=product_id).first()


def sitemap_products() -> QuerySet[Product]:
    return Product.objects.filter(status=Product.Status.PUBLISHED).only("slug", "updated_at").order_by("id")


def sitemap_categories() -> QuerySet[Category]:
    return Category.objects.only("slug", "path").order_by("path")
