"""Payments use cases. Import each module by its own name (apps.payments.services.refunds, ...)."""
