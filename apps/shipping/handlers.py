"""Shipping's reactions to other apps' events (subscribed by topic; nothing imported)."""
