"""Side tools: benchmark, corpus generator, demo, evaluation, and the process helpers they share."""
