"""Getting articles in: file loaders, the Kafka publisher, RSS/Atom feeds, HTTP ingest."""
