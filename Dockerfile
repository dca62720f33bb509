# venuecrm image: `docker compose up` runs it against PostgreSQL (see docker-compose.yml);
# without DATABASE_URL it falls back to the embedded server under VENUECRM_DATA_DIR.
# The base names its Debian release: plain python:3.11-slim moves to each new release, and every
# system library with it, so two builds of one commit could differ.

# Dependency stage: the locked dependencies in a virtualenv without pip or setuptools. It only
# depends on the lock files, so a source edit reuses it, and the runtime image's copy of it too.
FROM python:3.11-slim-bookworm AS deps
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# The build backend (hatchling) and pip live in their own venv and never reach the runtime image.
COPY docker/requirements-build.lock /tmp/requirements-build.lock
RUN python -m venv /opt/build \
    && /opt/build/bin/pip install --require-hashes --no-deps -r /tmp/requirements-build.lock
# --require-hashes installs exactly the locked files (docker/lock regenerates the lock).
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv --without-pip /opt/venv \
    && /opt/build/bin/pip --python /opt/venv/bin/python install --require-hashes --no-deps \
        -r /tmp/requirements.lock

# Project stage: the wheel built from src/, installed into the same venv; what it adds is moved
# to /opt/project so that the runtime image copies just that (a small layer per source edit).
FROM deps AS project
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /tmp/wheels . \
    && /opt/build/bin/pip --python /opt/venv/bin/python install --no-deps /tmp/wheels/*.whl \
    && mkdir -p /opt/project/bin /opt/project/site-packages \
    && mv /opt/venv/bin/venuecrm /opt/project/bin/ \
    && mv /opt/venv/lib/python3.11/site-packages/venuecrm* /opt/project/site-packages/

FROM python:3.11-slim-bookworm
# A fixed numeric uid: operators can grant volume permissions without guessing, and Kubernetes'
# runAsNonRoot can verify a number (not a name) without running the image.
RUN groupadd --gid 10001 venuecrm \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin \
        venuecrm \
    && install -d -o 10001 -g 10001 /var/lib/venuecrm
COPY --from=deps /opt/venv /opt/venv
COPY --from=project /opt/project/site-packages/ /opt/venv/lib/python3.11/site-packages/
COPY --from=project /opt/project/bin/ /opt/venv/bin/
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
# The embedded database (used without DATABASE_URL) lives here, outside the container layer.
VOLUME /var/lib/venuecrm
USER 10001:10001
EXPOSE 8000
# Liveness only: readiness depends on the database, which is the orchestrator's business. The
# slim image has no curl, so Python does the request (urlopen raises on any non-2xx answer).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('VENUECRM_PORT', '8000') + '/health', timeout=4)"]
CMD ["venuecrm", "serve"]
