"""Integration tests: the real handler, real events, localcloud worlds (helpers in ``harness.py``)."""

from __future__ import annotations

import pytest

from handlers.compose import reset_container_state


@pytest.fixture(autouse=True)
def fresh_container():
    """Each test starts like a fresh FunctionGraph container (no cached policy, empty remediation ledger)."""
    reset_container_state()
    yield
    reset_container_state()
