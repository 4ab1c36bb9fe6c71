from django import template
from django.db import DatabaseError

from apps.catalog import selectors

register = template.Library()


@register.inclusion_tag("catalog/_category_menu.html")
def category_menu():
    """The header's category navigation (top-level categories, cached)."""
    try:
        menu = selectors.storefront_category_menu()
    except DatabaseError:
        # The 500 page renders the header too; a database that is down must not break it.
        menu = []
    return {"menu": menu}
