"""Adapters shared by the command services (PostgreSQL)."""
