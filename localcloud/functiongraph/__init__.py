"""FunctionGraph v2: functions (config and zip code), triggers and async-invocation configuration.

Only what ``bmsguard deploy`` / ``destroy`` use: create / show / update config and code / delete a
function, list functions, create / list / delete triggers, show / update the async invoke config.
"""

from __future__ import annotations

from localcloud.functiongraph.backend import Backend
from localcloud.functiongraph.routes import ROUTES

__all__ = ["Backend", "ROUTES"]
