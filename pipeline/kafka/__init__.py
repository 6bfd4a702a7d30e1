"""Kafka plumbing: client configuration, topics, the embedded local broker."""
