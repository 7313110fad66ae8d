#!/usr/bin/env bash
# docker-compose.yml's `secrets` service (as root, once per `up`): generates the secrets when missing with
# deploy/local/secrets.sh (the local stack's generator), then gives each container only what it needs, owned by
# the user it runs as: the Kafka nodes and the ACL set-up (uid 1000), PostgreSQL (uid 999), each service (uid 10001).
set -euo pipefail

ALL=/secrets/all
/ali/deploy/local/secrets.sh "$ALL"

hand() {  # hand OWNER DIR FILE...: copies, readable by OWNER only
  local owner=$1 dir=$2
  shift 2
  mkdir -p "$dir"
  install -m 0400 -o "$owner" -g "$owner" "$@" "$dir/"
  chown "$owner:$owner" "$dir"
  chmod 0500 "$dir"
}

# Kafka nodes: their certificate and keystore, and every principal's password (SCRAM at format, PLAIN for bi/admin).
hand 1000 /out/kafka "$ALL"/*.env "$ALL/tls/ca.pem" "$ALL/tls/node.pem" "$ALL/tls/node.key" "$ALL/tls/node.p12" \
  "$ALL/tls/node.p12.password"
# The ACL set-up (python -m shared.kafka_acl apply) logs in as a node over the internal mutual-TLS listener.
cat >/tmp/node.properties <<PROPS
bootstrap.servers=kafka-1:9094
security.protocol=ssl
ssl.ca.location=/secrets/ca.pem
ssl.certificate.location=/secrets/node.pem
ssl.key.location=/secrets/node.key
PROPS
hand 1000 /out/kafka /tmp/node.properties

# PostgreSQL: the superuser's password (POSTGRES_PASSWORD_FILE) and every role's, for deploy/local/roles.sql.
for principal in admin intake accompaniment placement reporting bi; do
  sed -n 's/^ALI_DATABASE_PASSWORD=//p' "$ALL/$principal.env" >"/tmp/$principal.password"
done
hand 999 /out/postgres /tmp/{admin,intake,accompaniment,placement,reporting,bi}.password
rm -f /tmp/*.password /tmp/node.properties

# Each service: its own credentials file and the CA (ALI_SECRETS_DIR, ALI_KAFKA_CA_FILE).
for service in intake accompaniment placement reporting; do
  hand 10001 "/out/$service" "$ALL/$service.env" "$ALL/tls/ca.pem"
done
echo "[secrets] handed out (BI: docker compose run --rm secrets cat /secrets/all/bi.env)"
