"""localcloud at scale: load a 10,000-server world, then time a server read and list pages through the
official BmsClient, in process and over the HTTP server. Target: the world loads in under 2 s; reads and
unfiltered pages do not scan.

    .venv/bin/python benchmarks/bench_localcloud.py [--servers N] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from huaweicloudsdkbms.v1 import BmsClient, ListBareMetalServerDetailsRequest, ListBareMetalServersRequest
from huaweicloudsdkbms.v1.region.bms_region import BmsRegion
from huaweicloudsdkcore.auth.credentials import BasicCredentials

from localcloud import LocalCloud

LOAD_TARGET_S = 2.0


def world_of(count: int) -> dict:
    return {"servers": [{"id": f"{i:08x}-5e1f-4c0d-9a7b-{i:012x}", "name": f"bms-{i:05d}",
                         "tags": {"env": "prod" if i % 3 else "dev"}} for i in range(count)]}


def client_for(cloud: LocalCloud, endpoint: str = "") -> BmsClient:
    key = cloud.credential()
    creds = BasicCredentials(key.ak, key.sk, cloud.project_id).with_security_token(key.security_token)
    builder = BmsClient.new_builder().with_credentials(creds)
    if endpoint:
        return builder.with_endpoint(endpoint).build()
    return builder.with_region(BmsRegion.value_of(cloud.region)).build()


def timed_ms(call, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def report(adapter: str, client: BmsClient, server_id: str, last_page: int, repeat: int) -> None:
    few = max(1, repeat // 10)
    read = timed_ms(lambda: client.list_bare_metal_server_details(
        ListBareMetalServerDetailsRequest(server_id=server_id)), repeat)
    page = timed_ms(lambda: client.list_bare_metal_servers(
        ListBareMetalServersRequest(limit=25, offset=last_page)), repeat)
    big_page = timed_ms(lambda: client.list_bare_metal_servers(ListBareMetalServersRequest(limit=1000)), few)
    filtered = timed_ms(lambda: client.list_bare_metal_servers(
        ListBareMetalServersRequest(limit=25, tags="env=dev")), few)
    print(f"-- {adapter} (medians)")
    print(f"server read                     {read:8.2f} ms")
    print(f"list page, limit 25             {page:8.2f} ms")
    print(f"list page, limit 1000           {big_page:8.2f} ms")
    print(f"filtered page, tags             {filtered:8.2f} ms  (filters scan by design)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    world = world_of(args.servers)
    started = time.perf_counter()
    cloud = LocalCloud(world)
    load_s = time.perf_counter() - started
    middle = world["servers"][args.servers // 2]["id"]
    last_page = (args.servers + 24) // 25

    print(f"servers                         {args.servers}")
    print(f"world load                      {load_s * 1000:8.1f} ms  (target < {LOAD_TARGET_S * 1000:.0f} ms)")
    with cloud:
        report("in process", client_for(cloud), middle, last_page, args.repeat)
    with cloud.serve() as server:
        report("HTTP server", client_for(cloud, server.endpoint), middle, last_page, args.repeat)
    print(f"full scans (only filtered pages should scan: {2 * max(1, args.repeat // 10)})  {cloud.bms.scans}")
    return 0 if load_s < LOAD_TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
