"""The live page of ``newsflow serve`` (``GET /live``): the latest enriched articles, the
trending entities and a stance board, updated by server-sent events (``GET /live/events``).

:mod:`.state` keeps what the page shows (free of Kafka and HTTP), :mod:`.feed` follows
``news.enriched`` and ``news.trends`` into it and fans updates out to the open pages,
``page.html`` draws them.
"""
