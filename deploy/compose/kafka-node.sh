#!/usr/bin/env bash
# A Kafka node of docker-compose.yml (apache/kafka image): renders deploy/kafka/server.properties, the same file
# as the local stack's, formats the storage once with every principal's SCRAM credentials, then runs the node.
#
# Environment: NODE_ID, NODES (1 or 3), CLUSTER_ID, HOST_PORT (the port published on the host's 127.0.0.1).
# /secrets: the `secrets-kafka` volume (deploy/compose/secrets.sh). /ali/kafka: deploy/kafka of the clone.
set -euo pipefail

: "${NODE_ID:?}" "${NODES:?}" "${CLUSTER_ID:?}" "${HOST_PORT:?}"
SECRETS=/secrets
DATA=/var/lib/kafka/data
CONFIG=/tmp/server.properties

secret() { sed -n "s/^$2=//p" "$SECRETS/$1.env"; }

voters=()
for ((m = 1; m <= NODES; m++)); do voters+=("$m@kafka-$m:9093"); done
replication=1 min_isr=1
if (( NODES >= 3 )); then replication=3 min_isr=2; fi

template=$(</ali/kafka/server.properties)
template=${template//@NODE_ID@/$NODE_ID}
template=${template//@VOTERS@/$(IFS=,; printf '%s' "${voters[*]}")}
template=${template//@LISTENERS@/CLIENT://0.0.0.0:9092,HOST://0.0.0.0:29092,INTERNAL://0.0.0.0:9094,CONTROLLER://0.0.0.0:9093}
template=${template//@ADVERTISED_LISTENERS@/CLIENT://kafka-$NODE_ID:9092,HOST://127.0.0.1:$HOST_PORT,INTERNAL://kafka-$NODE_ID:9094}
template=${template//@KAFKA_LOG_DIR@/$DATA}
template=${template//@TLS_DIR@/$SECRETS}
template=${template//@KEYSTORE_PASSWORD@/$(<"$SECRETS/node.p12.password")}
template=${template//@ADMIN_PASSWORD@/$(secret admin ALI_KAFKA_PASSWORD)}
template=${template//@BI_PASSWORD@/$(secret bi ALI_KAFKA_PASSWORD)}
template=${template//@REPLICATION@/$replication}
template=${template//@MIN_ISR@/$min_isr}
(umask 077; printf '%s\n' "$template" >"$CONFIG")

if [[ ! -f $DATA/meta.properties ]]; then
  scram=()
  for principal in admin intake accompaniment placement reporting bi; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$principal,password=$(secret "$principal" ALI_KAFKA_PASSWORD)]")
  done
  /opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$CLUSTER_ID" -c "$CONFIG" "${scram[@]}"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$CONFIG"
