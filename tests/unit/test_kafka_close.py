"""Stopping a consumer: a close the broker never confirms does not hold the caller, and still ends."""

from __future__ import annotations

import asyncio
import time

from shared import kafka
from shared.kafka import stop_consumer


class _Consumer:
    """A consumer whose close waits until `confirmed` is set (the broker's TLS close_notify)."""

    def __init__(self) -> None:
        self.confirmed = asyncio.Event()
        self.stopped = False

    async def stop(self) -> None:
        await self.confirmed.wait()
        self.stopped = True


async def test_an_unconfirmed_close_goes_on_in_the_background_after_the_bound(monkeypatch):
    monkeypatch.setattr(kafka, "CONSUMER_CLOSE_SECONDS", 0.2)
    consumer = _Consumer()
    started = time.monotonic()
    await stop_consumer(consumer)
    assert time.monotonic() - started < 5
    assert not consumer.stopped and len(kafka._CLOSING) == 1  # not cancelled: the close still runs
    consumer.confirmed.set()
    await asyncio.gather(*kafka._CLOSING)
    assert consumer.stopped
    await asyncio.sleep(0)
    assert not kafka._CLOSING


async def test_a_confirmed_close_completes_before_returning():
    consumer = _Consumer()
    consumer.confirmed.set()
    await stop_consumer(consumer)
    assert consumer.stopped and not kafka._CLOSING
