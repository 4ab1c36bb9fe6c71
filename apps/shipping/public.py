"""Shipping's front door for the apps to its right."""
