"""Placement's decisions: pure functions of a state and a command that return the events to record, or raise."""
