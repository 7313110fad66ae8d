#!/usr/bin/env bash
# docker-compose.yml's `postgres-roles` service: deploy/local/roles.sql (the local stack's) against the postgres
# service, as the superuser, with the generated passwords.
set -euo pipefail
pw() { cat "/secrets/$1.password"; }
export PGPASSWORD
PGPASSWORD=$(pw admin)
vars=()
for principal in admin intake accompaniment placement reporting bi; do vars+=(-v "pw_$principal=$(pw "$principal")"); done
exec psql -X -q -v ON_ERROR_STOP=1 -h postgres -U ali -d ali "${vars[@]}" -f /ali/roles.sql
