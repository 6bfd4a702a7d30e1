"""The worker: Faust app and agent, validation, sanitising, de-duplication, the NLP pool."""
