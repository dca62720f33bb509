# venuecrm image: `docker compose up` runs it against PostgreSQL (see docker-compose.yml);
# without DATABASE_URL it falls back to the embedded server under VENUECRM_DATA_DIR.

# Build stage: install the project (not editable) into a virtualenv that is copied whole, so the
# runtime image carries no pip cache, build backend or sources.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim
# A fixed uid lets operators grant volume permissions without guessing.
RUN groupadd --system --gid 10001 venuecrm \
    && useradd --system --uid 10001 --gid venuecrm --home-dir /app --shell /usr/sbin/nologin venuecrm \
    && install -d -o venuecrm -g venuecrm /var/lib/venuecrm
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The package finds migrations relative to a source checkout; an installed wheel has none, so
# the image ships them and says where.
COPY alembic.ini ./
COPY migrations ./migrations
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VENUECRM_MIGRATIONS_DIR=/app/migrations \
    VENUECRM_DATA_DIR=/var/lib/venuecrm \
    VENUECRM_HOST=0.0.0.0 \
    VENUECRM_PORT=8000
USER venuecrm
EXPOSE 8000
# Liveness only: readiness depends on the database, which is the orchestrator's business. The
# slim image has no curl, so Python does the request (urlopen raises on any non-2xx answer).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('VENUECRM_PORT', '8000') + '/health', timeout=4)"]
CMD ["venuecrm", "serve"]
