#!/usr/bin/env bash
# Client settings for the local stack (deploy/local/stack.sh).
#
#   source deploy/local/env.sh          export them into the current shell
#   eval "$(deploy/local/env.sh)"       same, from any shell
#   deploy/local/env.sh                 print them as export lines
#
# The same endpoints are published by docker-compose.yml on the host.

ALI_LOCAL_ENV=(
  "DATABASE_URL=postgresql://ali:ali@127.0.0.1:54329/ali"
  "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092"
  # The platform's realm in Keycloak (deploy/local/keycloak.sh): the services trust its tokens.
  "ALI_AUTH_ISSUER=http://127.0.0.1:8080/realms/ali"
  "ALI_AUTH_JWKS_URL=http://127.0.0.1:8080/realms/ali/protocol/openid-connect/certs"
)

if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
  export "${ALI_LOCAL_ENV[@]}"
  unset ALI_LOCAL_ENV
else
  printf 'export %s\n' "${ALI_LOCAL_ENV[@]}"
fi
