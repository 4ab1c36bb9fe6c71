"""Catalog reads. Lists take a fixed number of queries however many products they show."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

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
    for category in Category.get_tree():
        node = {"category": category, "children": []}
        while stack and stack[-1]["category"].depth >= category.depth:
            stack.pop()
        (stack[-1]["children"] if stack else nodes).append(node)
        stack.append(node)
    return nodes


def category_breadcrumbs(category: Category) -> list[Category]:
    return [*category.get_ancestors(), category]


def brands_all() -> QuerySet[Brand]:
    return Brand.objects.all()


def reviews_approved(*, product: Product) -> QuerySet[Review]:
    return Review.objects.filter(product=product, status=Review.Status.APPROVED).select_related("user")
