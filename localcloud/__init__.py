"""localcloud: a moto-style emulator of the Huawei Cloud APIs bmsguard uses (docs/localcloud.md)."""

from localcloud.cloud import LocalCloud
from localcloud.wire import WorldError

__all__ = ["LocalCloud", "WorldError"]
