#!/bin/sh
# Server benchmark: requests/s and latency of one runc dyno (testdata/apps/go-hello) deployed
# on a real `bera server`, reached directly, through the server's router, and through a
# private nginx (bench/router/nginx.conf.in) proxying to the same dyno address over the
# same veth. Keep-alive, wrk -t2. "router" is Bera's router alone (bench/router, with
# its log line into an in-memory buffer) in front of the same dyno: the difference between
# it and "bera" is what the rest of the server costs.
# Usage: flock /tmp/bera-runc.lock bench/server/run.sh [seconds] [connections]   (repo root, as root)
# Needs runc, wrk and nginx (Debian: apt-get install -y runc wrk nginx-light).
# PERF=1 also counts, with perf stat, the CPU time, context switches and system calls per
# request of each proxy's process (the server, nginx's workers, the router alone) and of the
# dyno's processes behind it.
# EPOLL=1 adds bench/epollproxy (a bare per-core event-loop proxy, the measuring stick for
# an event loop in the router) in front of the same dyno as the target "epoll"; EPOLL_ARGS
# passes it flags (-spin N, -raw, -rawio, -loops N, -procs N).
# SCHEDLAT=1 prints, for each round of the router alone, how long its goroutines waited
# runnable before they ran (the Go scheduler's part of the latency), the server's response-time
# histogram, and with EPOLL=1 the stick's own request spans and its threads' context switches.
# RATES="10000 20000" adds, after the wrk rounds, an open-loop run (bench/loadgen: requests
# sent at each fixed rate whatever the target's speed, latency counted from when each was
# due) against every proxy at each rate, so their tails are compared at the same load on the
# dyno; ROUNDS=0 leaves out the wrk rounds.
# SERVER_ARGS adds flags to `bera server` (e.g. --router-event-loop), SERVER_ENV variables
# to its environment (e.g. GOMAXPROCS=1); ALONE_ARGS to the router alone (e.g. -event-loop).
# BERA_CPUPROFILE=FILE writes a CPU profile of the server over the whole run
# (go tool pprof -top FILE).
set -eu
SECS=${1:-10}
CONNS=${2:-32}
API_PORT=18090 ROUTER_PORT=18091 NGINX_PORT=18093 ALONE_PORT=18094 EPOLL_PORT=18095
HOST=hello.localhost
# RUNTIME=process runs the dyno as a plain process on loopback (no veth, no lock needed).
RUNTIME=${RUNTIME:-runc}
DIR=$(mktemp -d)
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
command -v nginx >/dev/null || { echo "nginx missing: apt-get install -y nginx-light" >&2; exit 1; }

go build -o "$DIR/bera" ./cmd/bera
go build -o "$DIR/routerbench" ./bench/router
[ -n "${EPOLL:-}" ] && go build -o "$DIR/epollproxy" ./bench/epollproxy
[ -n "${RATES:-}" ] && go build -o "$DIR/loadgen" ./bench/loadgen
SERVER_PID="" ALONE_PID="" EPOLL_PID=""
cleanup() {
	[ -f "$DIR/nginx.pid" ] && kill "$(cat "$DIR/nginx.pid")" 2>/dev/null || true
	[ -n "$ALONE_PID" ] && kill "$ALONE_PID" 2>/dev/null || true
	[ -n "$EPOLL_PID" ] && kill "$EPOLL_PID" 2>/dev/null || true
	if [ -n "$SERVER_PID" ]; then
		bera ps:scale web=0 -a hello >/dev/null 2>&1 || true
		sleep 2
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# --machine-cache off: a fresh data dir would otherwise warm the machine's Go cache in the
# background through the first rounds; the push then compiles the standard library itself.
env ${SERVER_ENV:-} "$DIR/bera" server --data "$DIR/data" --listen 127.0.0.1:$API_PORT --router-listen 127.0.0.1:$ROUTER_PORT \
	--runtime "$RUNTIME" --runc-bridge berasrv0 --runc-subnet 10.79.0.0/24 --api-rate-limit 0 --router-handover 0 \
	--machine-cache off ${SERVER_ARGS:-} 2> "$DIR/server.log" & SERVER_PID=$!
until [ -f "$DIR/data/admin.key" ]; do sleep 0.1; done
# The key is written before the API listens.
until curl -s -o /dev/null "http://127.0.0.1:$API_PORT/"; do sleep 0.1; done
export HOME="$DIR" BERA_API_URL=http://127.0.0.1:$API_PORT BERA_API_KEY="$(cat "$DIR/data/admin.key")" GIT_TERMINAL_PROMPT=0
printf 'machine 127.0.0.1 login b password %s\n' "$BERA_API_KEY" > "$DIR/.netrc"
bera() { "$DIR/bera" "$@"; }
(cd "$DIR" && bera apps:create hello >/dev/null) # outside the checkout: apps:create adds a git remote to the repo it runs in
cp -r testdata/apps/go-hello "$DIR/src"
(cd "$DIR/src" && git init -q -b main && git add -A && git -c user.name=b -c user.email=b@b commit -qm v1 &&
	git push -q "http://127.0.0.1:$API_PORT/hello.git" main >/dev/null 2>&1)
until curl -fsS -o /dev/null -H "Host: $HOST" "http://127.0.0.1:$ROUTER_PORT/"; do sleep 0.2; done
if [ "$RUNTIME" = process ]; then
	PID=$(sed -n 's/.*msg="dyno started".*pid=\([0-9]*\).*/\1/p' "$DIR/server.log" | tail -1)
	PORT=""
	for p in $PID $(pgrep -P "$PID") $(pgrep -P "$(pgrep -d, -P "$PID")" 2>/dev/null); do
		PORT=${PORT:-$(ss -ltnpH | awk -v p="pid=$p," 'index($0, p) { n = split($4, a, ":"); print a[n]; exit }')}
	done
	DYNO=127.0.0.1:$PORT
else
	DYNO=$(sed -n 's/.*msg="dyno started".*addr=\([0-9.:]*\).*/\1/p' "$DIR/server.log" | tail -1)
fi
[ -n "$DYNO" ] || { echo "no dyno address in the server log" >&2; exit 1; }
sed -e "s#@DIR@#$DIR#g" -e "s#@NGINX_PORT@#$NGINX_PORT#g" -e "s#@BACKEND@#$DYNO#g" \
	bench/router/nginx.conf.in > "$DIR/nginx.conf"
nginx -c "$DIR/nginx.conf" -e "$DIR/error.log"
"$DIR/routerbench" -mode router -log ${ALONE_ARGS:-} -listen 127.0.0.1:$ALONE_PORT -backend "$DYNO" -host $HOST 2>"$DIR/alone.log" & ALONE_PID=$!
PORTS="$NGINX_PORT $ALONE_PORT"
if [ -n "${EPOLL:-}" ]; then
	"$DIR/epollproxy" -listen 127.0.0.1:$EPOLL_PORT -backend "$DYNO" ${EPOLL_ARGS:-} 2>"$DIR/epoll.log" & EPOLL_PID=$!
	PORTS="$PORTS $EPOLL_PORT"
fi
for port in $PORTS; do
	until curl -fsS -o /dev/null -H "Host: $HOST" "http://127.0.0.1:$port/"; do sleep 0.1; done
done

# ms VALUE converts a wrk latency (718.00us, 2.10ms, 1.02s) to milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.2f", n }'; }

# bench NAME URL appends "NAME rps p50ms p99ms errors" to $DIR/rows.
bench() {
	if [ -n "${PERF:-}" ]; then
		rm -f "$DIR/perf" "$DIR/dperf"
		[ -n "${3:-}" ] && perfstat "$3" "$DIR/perf" & PERF_PID=$!
		# The dyno's processes (a runc dyno's cgroup, or the process dyno and its children).
		perfstat "$DYNO_PIDS" "$DIR/dperf" & DPERF_PID=$!
	fi
	wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "Host: $HOST" "$2" > "$DIR/out"
	if [ -n "${PERF:-}" ]; then
		wait "$PERF_PID" "$DPERF_PID"
		n=$(awk '/requests in/ {print $1}' "$DIR/out")
		echo "$1 $(perrequest "$DIR/perf" "$n") $(perrequest "$DIR/dperf" "$n")" >> "$DIR/perfrows"
	fi
	rps=$(awk '/^Requests\/sec/ {print $2}' "$DIR/out")
	p50=$(ms "$(awk '$1=="50%" {print $2}' "$DIR/out")")
	p99=$(ms "$(awk '$1=="99%" {print $2}' "$DIR/out")")
	errs=$(awk '/Non-2xx|Socket errors/ {n++} END {print n+0}' "$DIR/out")
	echo "$1 $rps $p50 $p99 $errs" >> "$DIR/rows"
}

# perfstat PIDS FILE counts CPU time, context switches and system calls of PIDS for one round.
perfstat() { perf stat -e task-clock,context-switches,raw_syscalls:sys_enter -p "$1" -o "$2" -- sleep "$SECS"; }

# perrequest FILE N prints "CPU-µs context-switches syscalls" per request from perf stat's
# FILE of a round of N requests ("- - -" when there is none).
perrequest() {
	[ -s "$1" ] || { echo "- - -"; return; }
	awk -v n="$2" '{ gsub(",", "", $1) } /task-clock/ { tc = $1 } /context-switches/ { cs = $1 } /sys_enter/ { sc = $1 }
		END { printf "%.1f %.2f %.2f", tc * 1000 / n, cs / n, sc / n }' "$1"
}

ROUNDS=${ROUNDS:-3}
touch "$DIR/rows" "$DIR/perfrows"
if [ "$RUNTIME" = runc ]; then
	DYNO_PIDS=$(cat /sys/fs/cgroup/cpuacct/bera/bera-*/cgroup.procs | paste -sd,)
else
	DYNO_PIDS=$PID$(pgrep -P "$PID" | sed 's/^/,/' | tr -d '\n')
fi
echo "dyno at $DYNO; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
	bench direct "http://$DYNO/"
	bench bera "http://127.0.0.1:$ROUTER_PORT/" "$SERVER_PID"
	[ -n "${SCHEDLAT:-}" ] && curl -s -H "Authorization: Bearer $BERA_API_KEY" "http://127.0.0.1:$API_PORT/metrics" |
		grep "^bera_router_request_duration_seconds" > "$DIR/hist.$round"
	bench nginx "http://127.0.0.1:$NGINX_PORT/" "$(pgrep -d, -P "$(cat "$DIR/nginx.pid")")"
	[ -n "${SCHEDLAT:-}" ] && kill -USR1 "$ALONE_PID"
	bench router "http://127.0.0.1:$ALONE_PORT/" "$ALONE_PID"
	[ -n "${SCHEDLAT:-}" ] && kill -USR1 "$ALONE_PID"
	if [ -n "${EPOLL:-}" ]; then
		[ -n "${SCHEDLAT:-}" ] && kill -USR1 "$EPOLL_PID"
		bench epoll "http://127.0.0.1:$EPOLL_PORT/" "$EPOLL_PID"
		[ -n "${SCHEDLAT:-}" ] && kill -USR1 "$EPOLL_PID"
	fi
	echo "round $round done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
echo "median of $ROUNDS rounds of ${SECS}s, $CONNS connections, wrk -t2, keep-alive; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| target | req/s | p50 ms | p99 ms | rounds with errors |"
echo "| --- | ---: | ---: | ---: | ---: |"
for name in direct bera nginx router epoll; do
	grep -q "^$name " "$DIR/rows" || continue
	grep "^$name " "$DIR/rows" | awk -v name="$name" '
		{ rps[NR] = $2; p50[NR] = $3; p99[NR] = $4; if ($5 > 0) errs++ }
		function median(a, n,   i, j, t) {
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		END { printf "| %s | %.0f | %.2f | %.2f | %d |\n", name, median(rps, NR), median(p50, NR), median(p99, NR), errs }'
done
# Each round's ratios to nginx of that round (the targets of a round ran one after the other,
# so they met about the same load from the rest of the machine).
awk '$1 == "nginx" { n[++r] = $2 } $1 == "bera" { b[r + 1] = $2 } $1 == "router" { a[r] = $2 }
	END { printf "bera/nginx per round:"; for (i = 1; i <= r; i++) printf " %.2f", b[i] / n[i]
		printf "; router/nginx per round:"; for (i = 1; i <= r; i++) printf " %.2f", a[i] / n[i]; print "" }' "$DIR/rows"
if [ -n "${PERF:-}" ]; then
	echo "per request, median of the rounds (perf stat): CPU µs, context switches and system calls of the proxy's process, then of the dyno's"
	for name in direct bera nginx router epoll; do
		grep -q "^$name " "$DIR/perfrows" || continue
		grep "^$name " "$DIR/perfrows" | sort -k2,2n | awk -v name="$name" '{ r[NR] = $0 } END { split(r[int((NR + 1) / 2)], f, " ")
			printf "%s: %s µs, %s cs, %s syscalls; dyno %s µs, %s cs, %s syscalls\n", name, f[2], f[3], f[4], f[5], f[6], f[7] }'
	done
fi
if [ -n "${SCHEDLAT:-}" ]; then
	sleep 0.2
	echo "router alone, per round (between the signals around its wrk):"
	grep '^scheduling latency' "$DIR/alone.log" | awk 'NR % 2 == 0'
	if [ -n "${EPOLL:-}" ]; then
		echo "epoll stick, per round (its loop threads' context switches are totals):"
		grep '^proxy span' "$DIR/epoll.log" | awk 'NR % 2 == 0'
	fi
	echo "bera server: requests whose dyno's response head came later than (cumulative over the rounds):"
	awk -F'[ "]' '/_count/ { n = $NF } /le="/ { le[$4] = $NF } END { for (b in le) if (b + 0 <= 0.025) printf "  %s s: %.3f %%\n", b, 100 * (n - le[b]) / n }' "$DIR/hist.$ROUNDS" | sort
fi
if [ -n "${RATES:-}" ]; then
	echo "open loop (bench/loadgen), $CONNS connections, ${SECS}s per rate and target, latency from each request's due time:"
	echo "| target | offered req/s | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for rate in $RATES; do
		for target in direct:$DYNO bera:127.0.0.1:$ROUTER_PORT nginx:127.0.0.1:$NGINX_PORT router:127.0.0.1:$ALONE_PORT ${EPOLL:+epoll:127.0.0.1:$EPOLL_PORT}; do
			"$DIR/loadgen" -label "${target%%:*}" -url "http://${target#*:}/" -host $HOST -rate "$rate" -c "$CONNS" -d "${SECS}s"
		done
	done
fi
