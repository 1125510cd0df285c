"""Redis beyond one server: clients for plain, Sentinel and Cluster URLs.

Forms REDIS_URL accepts:
- `redis://host:port/db`, `rediss://…`, `unix:///path?db=N` — one server (redis-py's own forms);
- `redis+sentinel://[:password@]host:port,host:port/service_name/db` — ask the Sentinels
  which server is the master of `service_name`, and follow it after a failover;
- `redis+cluster://[:password@]host:port,host:port` — a Redis Cluster (database 0 only);
  the listed nodes are only where discovery starts.

Every multi-key script and transaction keeps its keys in one hash slot (a `{…}` tag per poll
and per site), so they run unchanged on a cluster; see the keys.py of each domain.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from flask import current_app
from redis.cluster import ClusterNode, RedisCluster
from redis.sentinel import Sentinel

log = logging.getLogger(__name__)
SENTINEL = "redis+sentinel://"
CLUSTER = "redis+cluster://"


@dataclass(frozen=True)
class ParsedUrl:
    """The parts of a Sentinel or Cluster URL."""

    nodes: list[tuple[str, int]]
    password: str | None
    username: str | None
    service: str | None
    db: int


def parse_url(url: str, default_port: int) -> ParsedUrl:
    """Split a `redis+sentinel://` or `redis+cluster://` URL into its parts."""
    parts = urlsplit(url)
    netloc = parts.netloc
    username = password = None
    if "@" in netloc:
        auth, netloc = netloc.rsplit("@", 1)
        user, _, secret = auth.partition(":")
        username, password = unquote(user) or None, unquote(secret) or None
    nodes = []
    for item in netloc.split(","):
        host, _, port = item.strip().rpartition(":") if ":" in item else (item, "", "")
        nodes.append((host or item.strip(), int(port) if port else default_port))
    path = [p for p in parts.path.split("/") if p]
    service = path[0] if path else None
    db = int(path[1]) if len(path) > 1 else 0
    return ParsedUrl(nodes, password, username, service, db)


def make_client(url: str, **options: Any) -> Any:
    """Return a redis-py client for any accepted URL form (options as for Redis())."""
    if url.startswith(SENTINEL):
        parsed = parse_url(url, 26379)
        if not parsed.service:
            raise ValueError("redis+sentinel:// URL needs the service name: …/mymaster/0")
        auth = {"password": parsed.password, "username": parsed.username}
        sentinel = Sentinel(parsed.nodes, socket_timeout=options.get("socket_timeout", 2.0),
                            socket_connect_timeout=options.get("socket_connect_timeout", 1.0),
                            sentinel_kwargs={"socket_timeout": 1.0,
                                             "socket_connect_timeout": 1.0})
        options.pop("health_check_interval", None)
        return sentinel.master_for(parsed.service, db=parsed.db, **auth, **options)
    if url.startswith(CLUSTER):
        parsed = parse_url(url, 6379)
        options.pop("max_connections", None)  # per node in a cluster; keep redis-py's default
        return RedisCluster(startup_nodes=[ClusterNode(h, p) for h, p in parsed.nodes],
                            password=parsed.password, username=parsed.username, **options)
    return redis.Redis.from_url(url, **options)


def limits_storage(url: str) -> tuple[str, dict[str, Any]]:
    """Translate REDIS_URL into the `limits` storage URI and options (Flask-Limiter)."""
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://"):], {}
    if url.startswith(SENTINEL):
        parsed = parse_url(url, 26379)
        head = url.split("://", 1)[1].split("/", 1)[0]
        return f"{SENTINEL}{head}/{parsed.service}", {"db": parsed.db}
    return url, {}


def is_cluster(client: Any) -> bool:
    """Tell whether a client talks to a Redis Cluster (some pipelined commands differ)."""
    return isinstance(client, RedisCluster)


def run_durably(client: Any, script: Any, keys: list[str], args: list[Any]) -> Any:
    """Run a Lua script; with REDIS_WAIT_REPLICAS set, answer only once replicas have it.

    The script and a WAIT travel in one pipeline, hence on one connection: WAIT only covers
    the writes of the connection it is sent on. If the replicas do not answer within
    REDIS_WAIT_MS the write still stands on the master (with its append-only file): logged,
    not refused.
    """
    wanted = int(current_app.config.get("REDIS_WAIT_REPLICAS") or 0)
    if wanted <= 0 or is_cluster(client):
        return script(keys=keys, args=args)
    pipe = client.pipeline(transaction=False)
    script(keys=keys, args=args, client=pipe)
    pipe.wait(wanted, int(current_app.config.get("REDIS_WAIT_MS") or 500))
    result, acked = pipe.execute()
    if int(acked) < wanted:
        log.warning("only %s of %d Redis replicas acknowledged a write in time", acked, wanted)
    return result
