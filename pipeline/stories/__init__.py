"""Story clusters: every enriched article's ``story_id`` and the ``news.stories`` events.

* :mod:`signature` — what is compared: a MinHash of word shingles and the article's names;
* :mod:`index` — the story index (each worker's memory) and the matching rules;
* :mod:`feed` — the compacted topic that keeps every worker's index in step;
* :mod:`assign` — the worker's side: a story per article, enrichment reused for copies;
* :mod:`summary` / :mod:`models` — a story's state and its event on ``news.stories``;
* :mod:`agents` / :mod:`wiring` — the Faust tables, agent and timer (``install_stories``).

``docs/stories.md`` describes the design, the partitioning and the measured quality.
"""
