"""Live trends in Faust tables: mentions per entity in 1 h and 24 h hopping windows (summed
at query time from 5-minute buckets, each event written once), and stance counts per
(holder, target) with the latest evidence.

Fed from the worker's own derived topics (``news.entities`` keyed by entity name,
``news.stance`` re-keyed by target through a repartition topic), published to
``news.trends`` and served over the worker's web server. Modules: :mod:`.models` (the
events, pydantic only), :mod:`.aggregate` (the arithmetic, free of Faust), :mod:`.tables`,
:mod:`.index`, :mod:`.agents`, :mod:`.views`, :mod:`.metrics`, :mod:`.wiring`
(:func:`install_trends`).
Nothing here is imported by the readers' install: only :mod:`.models` is Faust-free API.
"""
