"""Fixtures of the card tests: a running reader service with its events recorded."""

from __future__ import annotations

import threading
import time

import pytest

from app.card.service import EventKind, ReaderEvent, ReaderService
from app.card.stack import reader_name


class EventLog:
    def __init__(self):
        self.events: list[ReaderEvent] = []
        self._cv = threading.Condition()

    def __call__(self, event: ReaderEvent) -> None:
        with self._cv:
            self.events.append(event)
            self._cv.notify_all()

    def mark(self) -> int:
        with self._cv:
            return len(self.events)

    def wait_for(self, kind: EventKind, *, since: int = 0, timeout: float = 8.0) -> ReaderEvent:
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for event in self.events[since:]:
                    if event.kind is kind:
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {kind.value} event; got {[e.kind.value for e in self.events[since:]]}")
                self._cv.wait(left)

    def kinds(self, since: int = 0) -> list[str]:
        with self._cv:
            return [e.kind.value for e in self.events[since:]]


@pytest.fixture
def events():
    return EventLog()


@pytest.fixture
def service(pcsc_stack, events):
    svc = ReaderService(events, poll_interval=0.3).start()
    svc.select_reader(reader_name(0)).result(10)
    yield svc
    svc.stop()


@pytest.fixture
def ready_card(service, events, inserted_card):
    """The fresh test card inserted and identified by the service."""
    events.wait_for(EventKind.MY_NUMBER_CARD)
    return inserted_card
