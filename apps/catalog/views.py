"""Storefront pages: home, category, search, product and its reviews. Thin: validate, read, render.

Lists go through ProductFilter, the same filter definition the API uses; what they show
comes from the cached storefront selectors.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.catalog import selectors, services
from apps.catalog.domain.exceptions import AlreadyReviewed, ReviewNotAllowed
from apps.catalog.filters import IN_STOCK_ONLY, ORDERING_CHOICES, ProductFilter
from apps.catalog.forms import ReviewForm
from apps.catalog.models import Category, Product
from apps.core.domain.money import format_money

REVIEWS_PER_PAGE = 10
FEW_LEFT = 5  # at or below this many units the page says "Only N left"
META_DESCRIPTION_LENGTH = 155
FILTER_PARAMS = list(ProductFilter.base_filters)


@require_safe
def home(request):
    context = {"menu": selectors.storefront_category_menu(), **selectors.storefront_home()}
    return render(request, "catalog/home.html", context)


@require_safe
def category_detail(request, slug):
    try:
        category = selectors.storefront_category(slug=slug)
    except Category.DoesNotExist as exc:
        raise Http404 from exc
    products = selectors.storefront_products_in_category(category=category)
    return _product_list(
        request,
        template="catalog/category.html",
        scope=("category", category["id"]),
        data=request.GET,
        products=products,
        candidates=products,
        context={
            "category": category,
            "sort_choices": ORDERING_CHOICES,
            "meta_description": category["seo_description"]
            or Truncator(" ".join(category["description"].split())).chars(META_DESCRIPTION_LENGTH)
            or _("%(category)s at the shop: prices in CNY, delivered across China.") % {"category": category["name"]},
        },
    )


@require_safe
def search(request):
    words = " ".join(request.GET.get("q", "").split())[:100]
    data = request.GET.copy()
    data.pop("search", None)
    if words:
        data["search"] = words
    sort_choices = [("", _("Best match")), *ORDERING_CHOICES] if words else ORDERING_CHOICES
    return _product_list(
        request,
        template="catalog/search.html",
        scope=("search", words),
        data=data,
        products=selectors.published_products(),
        candidates=selectors.products_matching(selectors.published_products(), words),
        context={"query": words, "sort_choices": sort_choices},
    )


def _product_list(request, *, template, scope, data, products, candidates, context):
    """A filtered, sorted, paginated list. `candidates` are the products before the sidebar's filters."""
    product_filter = ProductFilter(data, queryset=products)
    page, cards, status = None, [], 200
    # The candidates hold the search words: unchecked words must not reach the database.
    facets = {} if "search" in product_filter.errors else selectors.storefront_facets(scope=scope, queryset=candidates)
    if product_filter.is_valid():
        listing = selectors.storefront_listing_key(
            scope=scope, query={name: data.getlist(name) for name in FILTER_PARAMS if name in data}
        )
        try:
            page, cards = selectors.storefront_listing_page(
                listing=listing, queryset=product_filter.qs, page_number=request.GET.get("page", 1)
            )
        except InvalidPage as exc:
            raise Http404 from exc
    else:
        status = 400
    context = {
        **context,
        "filter_form": product_filter.form,
        "filter_errors": [(field.label, error) for field in product_filter.form for error in field.errors],
        "facets": facets,
        "chosen": {
            "brands": data.getlist("brand"),
            "values": data.getlist("value"),
            "min_price": data.get("min_price", ""),
            "max_price": data.get("max_price", ""),
            "in_stock": product_filter.form["in_stock"].value() in IN_STOCK_ONLY,
            "ordering": data.get("ordering", ""),
        },
        "page": page,
        "cards": cards,
        "canonical_url": request.build_absolute_uri(request.path),
    }
    return render(request, template, context, status=status)


@require_safe
def product_detail(request, slug):
    return _product_page(request, slug=slug, review_form=ReviewForm())


@require_POST
def review_create(request, slug):
    try:
        product = selectors.storefront_product_get(slug=slug)
    except Product.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.is_authenticated:
        return redirect_to_login(product.get_absolute_url())
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _product_page(request, slug=slug, review_form=form, status=400)
    try:
        services.review_submit(
            user=request.user,
            product=product,
            rating=form.cleaned_data["rating"],
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
        )
    except (ReviewNotAllowed, AlreadyReviewed) as exc:
        messages.error(request, _(exc.detail))
    else:
        messages.success(request, _("Thank you! Your review will appear once it has been checked."))
    return redirect(f"{product.get_absolute_url()}#reviews")


def _product_page(request, *, slug, review_form, status=200):
    try:
        data = selectors.storefront_product(slug=slug)
    except Product.DoesNotExist as exc:
        raise Http404 from exc
    reviews = Paginator(selectors.reviews_approved(product=data["id"]), REVIEWS_PER_PAGE)
    try:
        reviews_page = reviews.page(request.GET.get("reviews_page", 1))
    except InvalidPage as exc:
        raise Http404 from exc
    may_review, own_review = False, None
    if request.user.is_authenticated:
        own_review = selectors.review_of_customer(user=request.user, product_id=data["id"])
        if own_review is None:
            may_review = services.customer_may_review(user=request.user, product_id=data["id"])

    skus = data["skus"]
    chosen = next((sku for sku in skus if sku["available"] > 0), skus[0] if skus else None)
    description = " ".join(data["description"].split())
    images = data["images"]
    context = {
        "product": data,
        "chosen_sku": chosen,
        "chosen_values": set(chosen["values"]) if chosen else set(),
        "chosen_availability": _availability(chosen["available"]) if chosen else _availability(0),
        "sku_data": [
            {
                "id": sku["id"],
                "code": sku["code"],
                "price": format_money(sku["price"]),
                "compare_at_price": format_money(sku["compare_at_price"]) if sku["compare_at_price"] else "",
                "available": sku["available"],
                "values": sku["values"],
            }
            for sku in skus
        ],
        "sku_text": {
            "in_stock": _("In stock"),
            "few_left": _("Only %(count)s left"),
            "sold_out": _("Sold out"),
            "few_left_at": FEW_LEFT,
        },
        "page_title": data["seo_title"] or data["name"],
        "meta_description": data["seo_description"] or Truncator(description).chars(META_DESCRIPTION_LENGTH),
        "canonical_url": request.build_absolute_uri(data["url"]),
        "og_image": request.build_absolute_uri(images[0]["medium"]) if images else "",
        "reviews_page": reviews_page,
        "may_review": may_review,
        "own_review": own_review,
        "review_form": review_form,
    }
    return render(request, "catalog/product.html", context, status=status)


def _availability(available: int) -> dict:
    if available <= 0:
        return {"state": "sold-out", "text": _("Sold out")}
    if available <= FEW_LEFT:
        return {"state": "few-left", "text": _("Only %(count)s left") % {"count": available}}
    return {"state": "in-stock", "text": _("In stock")}
