#!/bin/sh
# Router benchmark: requests/s and latency of a tiny backend directly, through Bera's router
# and through nginx, with keep-alive and with a new connection per request.
# Usage: bench/router/run.sh [seconds] [connections]   (from the repository root)
# Needs wrk and nginx (Debian: apt-get install -y wrk nginx-light).
set -eu
SECS=${1:-10}
CONNS=${2:-50}
BACKEND_PORT=18081 ROUTER_PORT=18082 NGINX_PORT=18083 LOGGED_PORT=18084
HOST=bench.localhost
DIR=$(mktemp -d)
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
command -v nginx >/dev/null || { echo "nginx missing: apt-get install -y nginx-light" >&2; exit 1; }

go build -o "$DIR/routerbench" ./bench/router
cleanup() {
	[ -f "$DIR/nginx.pid" ] && kill "$(cat "$DIR/nginx.pid")" 2>/dev/null || true
	kill "$BACKEND_PID" "$ROUTER_PID" "$LOGGED_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

"$DIR/routerbench" -mode backend -listen 127.0.0.1:$BACKEND_PORT & BACKEND_PID=$!
"$DIR/routerbench" -mode router -listen 127.0.0.1:$ROUTER_PORT -backend 127.0.0.1:$BACKEND_PORT -host $HOST & ROUTER_PID=$!
# The same router writing a log line per request into the in-memory log buffer, as
# bera server does (nginx's access log is off, so the bera row is the like-for-like one).
"$DIR/routerbench" -mode router -log -listen 127.0.0.1:$LOGGED_PORT -backend 127.0.0.1:$BACKEND_PORT -host $HOST & LOGGED_PID=$!
sed -e "s#@DIR@#$DIR#g" -e "s#@NGINX_PORT@#$NGINX_PORT#g" -e "s#@BACKEND@#127.0.0.1:$BACKEND_PORT#g" \
	bench/router/nginx.conf.in > "$DIR/nginx.conf"
nginx -c "$DIR/nginx.conf" -e "$DIR/error.log"
for port in $BACKEND_PORT $ROUTER_PORT $NGINX_PORT $LOGGED_PORT; do
	until curl -fsS -o /dev/null -H "Host: $HOST" "http://127.0.0.1:$port/"; do sleep 0.1; done
done

# ms VALUE converts a wrk latency (718.00us, 2.10ms, 1.02s) to milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.2f", n }'; }

# bench NAME PORT [wrk args…] appends "NAME rps p50ms p99ms errors" to $DIR/rows.
bench() {
	name=$1 port=$2; shift 2
	wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "Host: $HOST" "$@" "http://127.0.0.1:$port/" > "$DIR/out"
	rps=$(awk '/^Requests\/sec/ {print $2}' "$DIR/out")
	p50=$(ms "$(awk '$1=="50%" {print $2}' "$DIR/out")")
	p99=$(ms "$(awk '$1=="99%" {print $2}' "$DIR/out")")
	errs=$(awk '/Non-2xx|Socket errors/ {n++} END {print n+0}' "$DIR/out")
	echo "$name $rps $p50 $p99 $errs" >> "$DIR/rows"
}

# Rounds interleave the targets so that load from other processes on the machine hits
# them alike; the table reports each target's median over the rounds.
ROUNDS=${ROUNDS:-3}
for round in $(seq "$ROUNDS"); do
	for mode in keepalive close; do
		extra=""
		[ $mode = close ] && extra="-H Connection:close"
		# shellcheck disable=SC2086
		bench "direct-$mode" $BACKEND_PORT $extra
		# shellcheck disable=SC2086
		bench "bera-$mode" $ROUTER_PORT $extra
		# shellcheck disable=SC2086
		bench "nginx-$mode" $NGINX_PORT $extra
		# shellcheck disable=SC2086
		bench "bera+log-$mode" $LOGGED_PORT $extra
	done
	echo "round $round done" >&2
done
echo "median of $ROUNDS rounds of ${SECS}s, $CONNS connections, wrk -t2"
echo "| target | req/s | p50 ms | p99 ms | rounds with errors |"
echo "| --- | ---: | ---: | ---: | ---: |"
for name in direct-keepalive bera-keepalive nginx-keepalive bera+log-keepalive direct-close bera-close nginx-close bera+log-close; do
	grep "^$name " "$DIR/rows" | awk -v name="$name" '
		{ rps[NR] = $2; p50[NR] = $3; p99[NR] = $4; if ($5 > 0) errs++ }
		function median(a, n,   i, j, t) {
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		END { printf "| %s | %.0f | %.2f | %.2f | %d |\n", name, median(rps, NR), median(p50, NR), median(p99, NR), errs }'
done
