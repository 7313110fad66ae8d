"""The platform's own package: event envelope and contracts, event store, outbox relay, consumer runtime."""
