"""Accounts' front door for the apps to its right."""

from apps.accounts.selectors import points_balance
from apps.accounts.services import points_record, user_register

__all__ = ["points_balance", "points_record", "user_register"]
