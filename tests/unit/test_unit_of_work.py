"""The states kept of the last reads: the most recently read kept, the least recently read dropped first."""

from __future__ import annotations

from shared.unit_of_work import States


def test_the_least_recently_read_state_goes_first_when_more_are_kept_than_the_size():
    states = States(2)
    states.keep("a", 1)
    states.keep("b", 2)
    assert states.get("a") == 1  # read again: now the most recent
    states.keep("c", 3)
    assert (states.get("a"), states.get("b"), states.get("c"), len(states)) == (1, None, 3, 2)


def test_a_state_kept_again_replaces_the_one_before():
    states = States(2)
    states.keep("a", 1)
    states.keep("a", 2)
    assert (states.get("a"), len(states)) == (2, 1)


def test_a_size_of_zero_keeps_nothing():
    states = States(0)
    states.keep("a", 1)
    assert (states.get("a"), len(states)) == (None, 0)
