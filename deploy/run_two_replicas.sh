#!/usr/bin/env bash
# Two RNN Lab replicas behind nginx with sticky sessions, all in the foreground; Ctrl-C stops the three.
#
#   deploy/run_two_replicas.sh                 # then open http://127.0.0.1:8080
#   LISTEN=0.0.0.0:8080 REPLICA_PORTS="8501 8502" deploy/run_two_replicas.sh
#
# Settings (environment): LISTEN (nginx's address:port, default 127.0.0.1:8080), REPLICA_PORTS (one replica
# per port, default "8501 8502"; the replicas listen on 127.0.0.1 only), RUN_DIR (nginx's prefix: its rendered
# config, logs and temp files; default a fresh temporary folder), PYTHON, NGINX_BIN (the programs to run), and
# the app's own RNN_LAB_MAX_TRAININGS, RNN_LAB_TORCH_THREADS, RNN_LAB_SESSION_TTL, passed to every replica.
# Each replica is a full server: give each box's replicas the cores between them (e.g. 2 replicas x
# RNN_LAB_MAX_TRAININGS=2 x RNN_LAB_TORCH_THREADS=1 on a 4-core box).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
LISTEN="${LISTEN:-127.0.0.1:8080}"
REPLICA_PORTS="${REPLICA_PORTS:-8501 8502}"
PYTHON="${PYTHON:-python3}"
NGINX_BIN="${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}"
RUN_DIR="${RUN_DIR:-$(mktemp -d -t rnn-lab-proxy.XXXXXX)}"

if [ ! -x "$NGINX_BIN" ]; then
    echo "nginx is not installed (Debian/Ubuntu: sudo apt-get install nginx)" >&2
    exit 3
fi
mkdir -p "$RUN_DIR/logs" "$RUN_DIR/tmp"
chmod 755 "$RUN_DIR"; chmod 1777 "$RUN_DIR/tmp"   # nginx's workers may run as another user when started as root

# One cookie secret for all replicas, so a visitor's XSRF cookie stays valid if the proxy ever moves them.
if [ -z "${STREAMLIT_SERVER_COOKIE_SECRET:-}" ]; then
    STREAMLIT_SERVER_COOKIE_SECRET="$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')"
fi
export STREAMLIT_SERVER_COOKIE_SECRET

pids=()
stop_all() {
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop_all EXIT INT TERM

servers=""
for port in $REPLICA_PORTS; do
    (cd "$ROOT" && exec "$PYTHON" -m streamlit run app.py --server.address 127.0.0.1 --server.port "$port" \
        --server.headless true) >"$RUN_DIR/logs/replica-$port.log" 2>&1 &
    pids+=("$!")
    servers="${servers}        server 127.0.0.1:${port} max_fails=3 fail_timeout=10s;\n"
    echo "replica on 127.0.0.1:$port (log: $RUN_DIR/logs/replica-$port.log)"
done

# deploy/nginx.conf with this run's addresses: the listen line and one upstream server line per replica.
awk -v listen="$LISTEN" -v servers="$servers" '
    /^[[:space:]]*listen 127\.0\.0\.1:8080;/ { sub(/127\.0\.0\.1:8080/, listen) }
    /^[[:space:]]*server 127\.0\.0\.1:[0-9]+ / { if (!done) { printf "%s", servers; done = 1 } next }
    { print }
' "$HERE/nginx.conf" >"$RUN_DIR/nginx.conf"

"$NGINX_BIN" -t -q -p "$RUN_DIR/" -c "$RUN_DIR/nginx.conf" -e stderr
"$NGINX_BIN" -p "$RUN_DIR/" -c "$RUN_DIR/nginx.conf" -e stderr -g 'daemon off;' &
pids+=("$!")
echo "nginx on http://$LISTEN (config and logs: $RUN_DIR)"

wait -n    # if any of them stops, stop the others (the trap)
