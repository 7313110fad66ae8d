#!/usr/bin/env bash
# Client settings for the local stack (deploy/local/stack.sh): its endpoints, and the credentials of a principal.
#
#   eval "$(deploy/local/env.sh [PRINCIPAL])"   export them into the current shell
#   source deploy/local/env.sh [PRINCIPAL]      same, from bash
#   deploy/local/env.sh [PRINCIPAL]             print them as export lines
#
# Without PRINCIPAL: the endpoints (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL without credentials), the brokers' CA
# (ALI_KAFKA_CA_FILE) and ALI_SECRETS_DIR, from which each service reads its own credentials
# (.data/secrets/<service>.env). With PRINCIPAL (admin, intake, accompaniment, placement, reporting, bi): also its
# Kafka principal (ALI_KAFKA_USERNAME, ALI_KAFKA_PASSWORD) and a DATABASE_URL with its database role, for psql or a
# command run by hand as that service. `make bi-access` prints the BI tools' kcat file and database URL.
#
# ALI_DATA_DIR, ALI_KAFKA_BROKERS, ALI_KAFKA_PORT and ALI_POSTGRES_PORT describe another stack, as for stack.sh.
# The same endpoints are published by docker-compose.yml on the host.

ali_env() {
  local repo principal=${1:-} data secrets brokers made_with kafka_port pg_port n servers=()
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  data=${ALI_DATA_DIR:-$repo/.data}
  secrets="$data/secrets"
  # As deploy/local/stack.sh: the broker count this data directory was made with, unless given.
  made_with=$(sed -n 's/^ALI_KAFKA_BROKERS=//p' "$data/stack.env" 2>/dev/null || true)
  brokers=${ALI_KAFKA_BROKERS:-${made_with:-1}}
  kafka_port=${ALI_KAFKA_PORT:-9092}
  pg_port=${ALI_POSTGRES_PORT:-54329}
  for ((n = 0; n < brokers; n++)); do servers+=("127.0.0.1:$((kafka_port + 100 * n))"); done
  local IFS=,
  ALI_LOCAL_ENV=(
    "KAFKA_BOOTSTRAP_SERVERS=${servers[*]}"
    "DATABASE_URL=postgresql://127.0.0.1:$pg_port/ali"
    "ALI_KAFKA_CA_FILE=$secrets/tls/ca.pem"
    "ALI_SECRETS_DIR=$secrets"
    # The platform's realm in Keycloak (deploy/local/keycloak.sh): the services trust its tokens.
    "ALI_AUTH_ISSUER=http://127.0.0.1:8080/realms/ali"
    "ALI_AUTH_JWKS_URL=http://127.0.0.1:8080/realms/ali/protocol/openid-connect/certs"
  )
  # On three nodes, the platform's topics are replicated three times (min.insync.replicas=2 on the brokers).
  (( brokers >= 3 )) && ALI_LOCAL_ENV+=("ALI_TOPIC_REPLICATION_FACTOR=3")
  [[ -z $principal ]] && return 0
  case $principal in
    admin|intake|accompaniment|placement|reporting|bi) ;;
    *) printf 'env.sh: unknown principal %s (admin, intake, accompaniment, placement, reporting, bi)\n' "$principal" >&2
       return 2 ;;
  esac
  local file="$secrets/$principal.env" user password
  [[ -r $file ]] || { printf 'env.sh: no %s: run `make up` (or deploy/local/stack.sh install) first\n' "$file" >&2; return 1; }
  user=$(sed -n 's/^ALI_DATABASE_USER=//p' "$file")
  password=$(sed -n 's/^ALI_DATABASE_PASSWORD=//p' "$file")
  ALI_LOCAL_ENV+=(
    "ALI_KAFKA_USERNAME=$(sed -n 's/^ALI_KAFKA_USERNAME=//p' "$file")"
    "ALI_KAFKA_PASSWORD=$(sed -n 's/^ALI_KAFKA_PASSWORD=//p' "$file")"
    "DATABASE_URL=postgresql://$user:$password@127.0.0.1:$pg_port/ali"
  )
}

if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
  if ali_env "${1:-}"; then export "${ALI_LOCAL_ENV[@]}"; fi
  unset ALI_LOCAL_ENV
  unset -f ali_env
else
  ali_env "${1:-}" || exit
  for entry in "${ALI_LOCAL_ENV[@]}"; do printf "export %s='%s'\n" "${entry%%=*}" "${entry#*=}"; done
fi
