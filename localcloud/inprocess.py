"""The in-process adapter: a ``responses`` mock that answers every URL by path through the dispatcher.

Activation is nesting-safe (a counter) and clears the SDK's process-wide caches on the way in and out,
so a project id or region endpoint resolved in one test never leaks into the next.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import responses

from localcloud.dispatch import Dispatcher

METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH")
ANY_URL = re.compile(r"https?://.*")


class InProcessAdapter:
    def __init__(self, dispatcher: Dispatcher):
        self.dispatcher = dispatcher
        self._mock: responses.RequestsMock | None = None
        self._depth = 0

    @property
    def active(self) -> bool:
        return self._depth > 0

    def activate(self) -> None:
        if self._depth == 0:
            clear_sdk_caches()
            mock = responses.RequestsMock(assert_all_requests_are_fired=False)
            for method in METHODS:
                mock.add_callback(method, ANY_URL, callback=self._callback)
            mock.start()
            self._mock = mock
        self._depth += 1

    def deactivate(self) -> None:
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth == 0 and self._mock is not None:
            self._mock.stop()
            self._mock.reset()
            self._mock = None
            clear_sdk_caches()

    def _callback(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        response = self.dispatcher.handle(request.method, url.path or "/", url.query,
                                          dict(request.headers), body)
        return response.status, response.headers, response.body


def clear_sdk_caches() -> None:
    """Forget the SDK's class-level project/domain id cache and its region-endpoint singletons."""
    try:
        from huaweicloudsdkcore.auth.credentials import Credentials
        from huaweicloudsdkcore.region.cache import EnvRegionCache, ProfileRegionCache
        from huaweicloudsdkcore.utils.six_utils import SingletonMeta
    except ImportError:  # the SDK is optional for the emulator itself
        return
    Credentials._CACHE.clear()
    for cache in (EnvRegionCache, ProfileRegionCache):
        SingletonMeta._instances.pop(cache, None)
