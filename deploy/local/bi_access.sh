#!/usr/bin/env bash
# What a BI tool needs to read the local platform, as two export lines (`make bi-access`):
#
#   export KCAT_CONFIG=<file>        a kcat `-F` property file of the `bi` Kafka principal (brokers, CA, SASL_SSL)
#   export BI_DATABASE_URL=<url>     the read-only `bi_reader` role (the `bi` schema only)
#
#   eval "$(make -s bi-access)"
#   kcat -F "$KCAT_CONFIG" -C -t ali.accompaniment.events -e
#   psql "$BI_DATABASE_URL" -c 'select count(*) from bi.accompaniments'
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
exports=$("$REPO/deploy/local/env.sh" bi) || { echo "bi-access: no BI credentials yet: run 'make up' first" >&2; exit 1; }
eval "$exports"
SECRETS=$ALI_SECRETS_DIR
cd "$REPO"
"$REPO/.venv/bin/python" -m deploy.local.kafka_admin kcat-config --secrets-dir "$SECRETS" \
  --bootstrap "$KAFKA_BOOTSTRAP_SERVERS" --principal bi --out "$SECRETS/bi.kcat"
printf 'export KCAT_CONFIG=%q\n' "$SECRETS/bi.kcat"
printf 'export BI_DATABASE_URL=%q\n' "$DATABASE_URL"
