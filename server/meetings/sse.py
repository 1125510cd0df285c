"""Server-Sent Events: one Redis pub/sub subscriber per process fans out to listener queues.

Each listener keeps only the latest message per topic ("tally:12", "attendance", ...):
every message carries the whole state of its topic, so a slow phone skips stale tallies
instead of queueing thousands of them, and delivery CPU stays bounded at any vote rate.

The streams outlive a Redis outage: the subscriber reconnects with backoff, and meanwhile
every stream says so (`tally_service` {"ok": false}: ballots are paused, none acknowledged is
lost). When it is back the streams get `tally_service` {"ok": true} and `resync`, and pages
take a fresh snapshot: that is the catch-up of whatever was missed.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator

import redis
from flask import Flask

from server.meetings import keys
from server.ops.metrics import listener_closed, listener_opened
from server.redis_urls import make_client

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 15.0
RECONNECT_FIRST, RECONNECT_MAX = 0.2, 2.0
TALLY_DOWN = json.dumps({"ok": False, "message": "计票服务正在恢复，投票暂停；已确认的选票"
                                                   "不会丢失，恢复后自动继续并更新"},
                        ensure_ascii=False)
TALLY_UP = json.dumps({"ok": True})


def event_text(event: str, payload: str) -> str:
    """Format one Server-Sent Event."""
    return f"event: {event}\ndata: {payload}\n\n"


class Listener:
    """One open event stream: a mailbox of the latest message per topic and a wake-up flag."""

    def __init__(self, meeting_id: int) -> None:
        self.meeting_id = meeting_id
        self._mailbox: dict[str, str] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()

    def offer(self, topic: str, text: str) -> None:
        """Replace the pending message of a topic and wake the stream."""
        with self._lock:
            self._mailbox[topic] = text
        self._wake.set()

    def take(self, timeout: float) -> str:
        """Wait for messages up to `timeout` seconds; return them as one chunk ('' if none)."""
        if not self._wake.wait(timeout):
            return ""
        with self._lock:
            self._wake.clear()
            texts = list(self._mailbox.values())
            self._mailbox.clear()
        return "".join(texts)


class Hub:
    """The process's one subscriber and the listeners it feeds."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pid = os.getpid()
        self._listeners: dict[int, set[Listener]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()
        # Set once the subscriber has lost Redis (not while it first connects): only then do
        # streams say the tally service is recovering.
        self.down = False

    def subscribe(self, meeting_id: int) -> Listener:
        """Register a listener for one meeting's events."""
        self._ensure_thread()
        listener = Listener(meeting_id)
        with self._lock:
            self._listeners.setdefault(meeting_id, set()).add(listener)
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        """Forget a listener whose stream ended."""
        with self._lock:
            group = self._listeners.get(listener.meeting_id)
            if group is not None:
                group.discard(listener)
                if not group:
                    del self._listeners[listener.meeting_id]

    def listener_count(self) -> int:
        """Count open streams in this process."""
        with self._lock:
            return sum(len(group) for group in self._listeners.values())

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="meetings-sse",
                                                daemon=True)
                self._thread.start()
        # Wait briefly so the first snapshot is taken after we are subscribed.
        self.connected.wait(2.0)

    def _run(self) -> None:
        first = True
        delay = RECONNECT_FIRST
        while True:
            client = make_client(self.url, decode_responses=True,
                                 socket_connect_timeout=1.0, socket_timeout=None)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.psubscribe(keys.events_pattern())
                self.connected.set()
                delay = RECONNECT_FIRST
                if self.down:
                    self.down = False
                    self._broadcast("tally_service", TALLY_UP)
                if not first:
                    # Messages may have been missed while disconnected: pages take a fresh
                    # snapshot (the catch-up).
                    self._broadcast("resync", "{}")
                first = False
                while True:
                    message = pubsub.get_message(timeout=HEARTBEAT_SECONDS)
                    if message is not None and message["type"] == "pmessage":
                        self._dispatch(message["channel"], message["data"])
            except redis.RedisError:
                if not self.down:
                    log.warning("event subscriber lost Redis; reconnecting")
                    self.connected.clear()
                    self.down = True
                    self._broadcast("tally_service", TALLY_DOWN)
                first = False
                time.sleep(delay)
                delay = min(RECONNECT_MAX, delay * 2)
            except Exception:  # noqa: BLE001 - the subscriber must outlive bad messages
                log.exception("event subscriber failed")
                time.sleep(0.5)
            finally:
                try:
                    pubsub.close()
                    client.close()
                except Exception:  # noqa: BLE001
                    pass

    def _dispatch(self, channel: str, data: str) -> None:
        event, topic, payload = data.split("\t", 2)
        text = event_text(event, payload)
        meeting_id = keys.meeting_id_from_channel(channel)
        with self._lock:
            targets = list(self._listeners.get(meeting_id, ()))
        for listener in targets:
            listener.offer(topic, text)

    def _broadcast(self, event: str, payload: str) -> None:
        with self._lock:
            targets = [lst for group in self._listeners.values() for lst in group]
        for listener in targets:
            listener.offer(event, event_text(event, payload))


def get_hub(app: Flask) -> Hub:
    """Return this process's hub for the app (a fresh one after a fork)."""
    from server.extensions import redis_accessor

    hub: Hub | None = app.extensions.get("sl_meetings_hub")
    if hub is None or hub.pid != os.getpid():
        with app.extensions.setdefault("sl_meetings_hub_lock", threading.Lock()):
            hub = app.extensions.get("sl_meetings_hub")
            if hub is None or hub.pid != os.getpid():
                hub = Hub(redis_accessor.url(app))
                app.extensions["sl_meetings_hub"] = hub
    return hub


def stream(hub: Hub, listener: Listener, first: str) -> Iterator[str]:
    """Yield the first snapshot, then coalesced events and heartbeats until the client goes."""
    try:
        if hub.down:
            first += event_text("tally_service", TALLY_DOWN)
        listener_opened()  # metrics: counted out in the finally below
        yield "retry: 2000\n" + first
        while True:
            chunk = listener.take(HEARTBEAT_SECONDS)
            yield chunk or ": ping\n\n"
    finally:
        listener_closed()
        hub.unsubscribe(listener)
