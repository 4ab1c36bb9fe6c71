from django import template

from apps.core.domain.money import format_money

register = template.Library()


@register.filter
def cny(amount):
    """{{ price|cny }} -> ¥1,234.50"""
    if amount is None or amount == "":
        return ""
    return format_money(amount)
