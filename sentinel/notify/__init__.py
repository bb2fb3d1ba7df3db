"""Getting alerts and reminders to people: an outbox in the store, delivered per channel."""
