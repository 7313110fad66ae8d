"""The workers process's board: what an API process reports of the replica's workers."""

from __future__ import annotations

import time

from shared import worker_board
from shared.worker_board import WorkerBoard, merge


def test_a_fresh_report_of_the_running_process_is_merged_with_the_own_checks():
    board = WorkerBoard(size=4096)
    board.supervised(41, restarts=0, last_exit=None)
    board.publish(41, {"postgres": {"ok": False, "error": "down"}, "outbox-relay": {"ok": True, "backlog": 3}})
    checks = merge({"postgres": {"ok": True}, "kafka": {"ok": True}}, board.checks())
    assert checks["workers-process"]["ok"] and checks["workers-process"]["pid"] == 41
    assert checks["outbox-relay"] == {"ok": True, "backlog": 3}
    assert checks["kafka"] == {"ok": True}
    assert checks["postgres"]["ok"] is False, "a check both make is ok only when ok in both"
    assert checks["postgres"]["workers_process"] == {"ok": False, "error": "down"}


def test_before_its_first_report_after_its_end_and_when_silent_the_workers_are_not_ready(monkeypatch):
    board = WorkerBoard(size=4096)
    board.supervised(7, restarts=0, last_exit=None)
    assert board.checks() == {
        "workers-process": {"ok": False, "pid": 7, "restarts": 0, "last_exit": None, "error": "starting: no report yet"}
    }
    board.publish(7, {"outbox-relay": {"ok": True}})
    assert board.checks()["workers-process"]["ok"]

    board.supervised(None, restarts=1, last_exit="killed by SIGKILL")
    gone = board.checks()
    assert list(gone) == ["workers-process"], "the last report of an ended process is not shown as current"
    assert not gone["workers-process"]["ok"] and "killed by SIGKILL" in gone["workers-process"]["error"]

    board.supervised(8, restarts=1, last_exit="killed by SIGKILL")
    assert not board.checks()["workers-process"]["ok"], "the report of the previous process does not count"
    board.publish(8, {"outbox-relay": {"ok": True}})
    assert board.checks()["workers-process"] | {"seconds_since_report": 0} == {
        "ok": True,
        "pid": 8,
        "restarts": 1,
        "last_exit": "killed by SIGKILL",
        "seconds_since_report": 0,
    }
    later = time.monotonic() + worker_board.STALE_SECONDS + 1
    monkeypatch.setattr(worker_board.time, "monotonic", lambda: later)
    stale = board.checks()["workers-process"]
    assert not stale["ok"] and stale["error"].startswith("no report for")


def test_a_report_too_large_for_its_slot_says_so():
    board = WorkerBoard(size=512)
    board.supervised(3, restarts=0, last_exit=None)
    board.publish(3, {"outbox-relay": {"ok": True, "last_error": "x" * 1000}})
    checks = board.checks()
    assert "outbox-relay" not in checks
    assert not checks["workers-report"]["ok"] and "too large" in checks["workers-report"]["error"]
