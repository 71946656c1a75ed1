"""pytest plugin: the ``localcloud`` fixture, a factory of activated clouds deactivated at teardown.

    def test_x(localcloud):
        cloud = localcloud({"servers": [...]})      # or None (default world) or a path to a world file
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from localcloud.cloud import LocalCloud

WorldSpec = Mapping[str, Any] | str | Path | None


def make_cloud(world: WorldSpec = None) -> LocalCloud:
    if isinstance(world, (str, Path)):
        return LocalCloud.from_file(world)
    return LocalCloud(world)


@pytest.fixture
def localcloud() -> Iterator[Callable[[WorldSpec], LocalCloud]]:
    active: list[LocalCloud] = []

    def factory(world: WorldSpec = None) -> LocalCloud:
        cloud = make_cloud(world)
        cloud.__enter__()
        active.append(cloud)
        return cloud

    yield factory
    for cloud in reversed(active):
        cloud.__exit__(None, None, None)
