"""Inventory's front door for the apps to its right (cart, orders, payments, reports)."""

from apps.inventory.domain.exceptions import OutOfStock, ReservationMissing
from apps.inventory.selectors import stock_available
from apps.inventory.services import stock_commit, stock_release, stock_reserve

__all__ = ["OutOfStock", "ReservationMissing", "stock_available", "stock_commit", "stock_release", "stock_reserve"]
