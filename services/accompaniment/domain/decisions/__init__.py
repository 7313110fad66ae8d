"""Accompaniment's decisions: pure functions of a state, a command and the context, returning the events to record."""
