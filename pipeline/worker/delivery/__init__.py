"""Exactly-once delivery: the commit queue, the transactional sink, the input reader."""
