#!/bin/sh
# Writes the PgBouncer configuration from the environment, then runs PgBouncer in the foreground.
#   DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD   the PostgreSQL server behind it
#   POOL_SIZE                                         server connections per database/user pair
#   LOCK_TIMEOUT_MS, STATEMENT_TIMEOUT_MS             the app's request timeouts (README
#                                                     "Guarantees"), set on each server connection
set -eu
dir=$(mktemp -d)
cat > "$dir/pgbouncer.ini" <<INI
[databases]
; The app sends its lock and statement timeouts as startup options, which PgBouncer drops
; (ignore_startup_parameters below); every server connection sets them when it opens instead.
${DB_NAME} = host=${DB_HOST} port=${DB_PORT:-5432} dbname=${DB_NAME} connect_query='SET lock_timeout = ${LOCK_TIMEOUT_MS:-2000}; SET statement_timeout = ${STATEMENT_TIMEOUT_MS:-10000}'

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
; Transaction pooling: a server connection belongs to a client for one transaction only, so the
; app runs with VENUECRM_PREPARED_STATEMENTS=false (docs/deployment.md).
pool_mode = transaction
default_pool_size = ${POOL_SIZE:-20}
max_client_conn = 500
; Parameters psycopg may send at connect that PgBouncer would otherwise refuse.
ignore_startup_parameters = extra_float_digits,options
INI
# PgBouncer accepts a plain password here and does SCRAM with clients and server alike.
printf '"%s" "%s"\n' "$DB_USER" "$DB_PASSWORD" > "$dir/userlist.txt"
chmod 600 "$dir/userlist.txt"
exec pgbouncer "$dir/pgbouncer.ini"
