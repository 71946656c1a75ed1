"""Emulated Simple Message Notification (SMN) v2: topics, subscriptions, publish (kept in an outbox)."""

from localcloud.smn.backend import Backend
from localcloud.smn.routes import ROUTES

__all__ = ["Backend", "ROUTES"]
