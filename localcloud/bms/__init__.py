"""Emulated Bare Metal Server (BMS) v1: servers, metadata options, metadata, tags, jobs."""

from localcloud.bms.backend import Backend
from localcloud.bms.routes import ROUTES

__all__ = ["Backend", "ROUTES"]
