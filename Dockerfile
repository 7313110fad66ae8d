# Image of the four domain services; docker-compose.yml picks the service with `python -m services.<name>`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# openssl: docker-compose.yml's `secrets` service generates the local CA and certificates with it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends openssl \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, at the versions locked in requirements/base.txt (`make lock`), so that a code change does
# not reinstall them.
COPY requirements/base.txt ./requirements/base.txt
RUN pip install --require-hashes -r requirements/base.txt

COPY pyproject.toml ./
COPY shared ./shared
COPY services ./services
# The Keycloak helper that makes the demo users (docker-compose.yml, keycloak-users).
COPY deploy/__init__.py ./deploy/
COPY deploy/local/__init__.py deploy/local/keycloak_admin.py ./deploy/local/
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --no-create-home --home-dir /app ali

USER ali
ENV ALI_HTTP_HOST=0.0.0.0
EXPOSE 8001 8002 8003 8004

CMD ["python", "-m", "services.intake"]
