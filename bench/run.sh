#!/usr/bin/env bash
# The side-by-side benchmark of gosockio and Node's socket.io (see bench/README.md).
#
#   bash bench/run.sh                 # 3 rounds of every scenario, 1k and 10k clients
#   bash bench/run.sh --quick         # a smoke run of a few seconds (CI)
#   bash bench/run.sh --scenarios mem --clients 100000 --hold 2m --servers go1,node --rounds 1
#
# It builds bench/loadgen and bench/goserver, installs bench/node (npm ci) when needed, then for
# each round, scenario and size starts a fresh server (or two for cross) of each kind, in an order
# that rotates from round to round, runs the load generator against it and stops it. The kinds:
#   go1   gosockio with GOMAXPROCS=1, pinned to core 0 (taskset)
#   go    gosockio with the default GOMAXPROCS, not pinned
#   node  Node.js socket.io, pinned to core 0
# The load generator runs on core 1 (when taskset exists and there are two cores or more).
# Results: one JSON line per run in <out>/results.jsonl, server and generator logs beside it,
# and a markdown table of medians, spread (min–max) and ratios to Node on stdout.
# Exits non-zero when a run failed (the table is printed all the same).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
	cat <<'EOF'
Options:
  --quick               smoke mode: 1 round, tiny sizes, a few seconds in all
  --rounds N            rounds (default 3)
  --scenarios LIST      of mem,fanout,echo,cross,xstreams (default all; xstreams is cross with
                        both nodes on the Redis Streams adapter)
  --servers LIST        of go1,go,node (default all)
  --clients LIST        client counts for mem and fanout (default 1000,10000)
  --echo-clients N      clients of echo (default 100)
  --cross-clients N     clients of cross, on node B (default 100)
  --duration D          measured time of echo and cross under load (default 5s)
  --hold D              mem: keep the connections open this long (default 0)
  --redis URL           Redis for cross (default $REDIS_URL or redis://127.0.0.1:6379)
  --out DIR             where results and logs go (default a new directory in /tmp)
  --profile             gosockio servers write a CPU profile beside their log (<out>/logs/*.pprof)
EOF
}

QUICK=0
ROUNDS=3
SCENARIOS=mem,fanout,echo,cross,xstreams
SERVERS=go1,go,node
CLIENTS=1000,10000
ECHO_CLIENTS=100
CROSS_CLIENTS=100
DURATION=5s
HOLD=0s
REDIS=${REDIS_URL:-redis://127.0.0.1:6379}
OUT=
PROFILE=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--rounds) ROUNDS=$2; shift ;;
	--scenarios) SCENARIOS=$2; shift ;;
	--servers) SERVERS=$2; shift ;;
	--clients) CLIENTS=$2; shift ;;
	--echo-clients) ECHO_CLIENTS=$2; shift ;;
	--cross-clients) CROSS_CLIENTS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--hold) HOLD=$2; shift ;;
	--redis) REDIS=$2; shift ;;
	--out) OUT=$2; shift ;;
	--profile) PROFILE=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown option $1 (--help)" >&2; exit 2 ;;
	esac
	shift
done

# Scenario parameters (the quick mode shrinks everything).
SETTLE=2s WARMUP=1s IDLE=200 BURSTS=3 FANOUT_K=50 PAUSE=0.5
if [ "$QUICK" = 1 ]; then
	ROUNDS=1 CLIENTS=50 ECHO_CLIENTS=20 CROSS_CLIENTS=20 DURATION=500ms HOLD=0s
	SETTLE=200ms WARMUP=100ms IDLE=20 BURSTS=2 FANOUT_K=5 PAUSE=0.1
fi

for s in ${SCENARIOS//,/ }; do
	case $s in mem | fanout | echo | cross | xstreams) ;; *) echo "run.sh: unknown scenario $s" >&2; exit 2 ;; esac
done
for v in ${SERVERS//,/ }; do
	case $v in go1 | go | node) ;; *) echo "run.sh: unknown server $v" >&2; exit 2 ;; esac
done

OUT=${OUT:-$(mktemp -d /tmp/gosockio-bench.XXXXXX)}
mkdir -p "$OUT/bin" "$OUT/logs"
RESULTS=$OUT/results.jsonl
: >"$RESULTS"

# Pinning: servers on core 0, the load generator on core 1.
PIN_SERVER=() PIN_GEN=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	PIN_SERVER=(taskset -c 0)
	PIN_GEN=(taskset -c 1)
fi

# File descriptors for 100k connections (each side holds one per connection).
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 1048576 ]; then
	ulimit -Hn 1048576 2>/dev/null || true
fi
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true

echo "== building (results and logs in $OUT)" >&2
go build -o "$OUT/bin/loadgen" ./bench/loadgen
go build -o "$OUT/bin/goserver" ./bench/goserver
if [[ ",$SERVERS," == *,node,* ]]; then
	command -v node >/dev/null || { echo "run.sh: node is not installed" >&2; exit 1; }
	if [ ! -f bench/node/node_modules/.package-lock.json ] ||
		[ bench/node/package-lock.json -nt bench/node/node_modules/.package-lock.json ]; then
		(cd bench/node && npm ci --no-audit --no-fund --loglevel=error) >&2
	fi
fi

redis_answers() {
	local hostport=${REDIS#redis://}
	hostport=${hostport##*@}
	hostport=${hostport%%/*}
	local host=${hostport%%:*} port=${hostport##*:}
	[ "$port" = "$hostport" ] && port=6379
	timeout 3 bash -c "exec 3<>/dev/tcp/$host/$port && printf 'PING\r\n' >&3 && read -r line <&3 && [[ \$line == +PONG* ]]" 2>/dev/null
}
if [[ ",$SCENARIOS," == *,cross,* || ",$SCENARIOS," == *,xstreams,* ]] && ! redis_answers; then
	echo "run.sh: Redis does not answer at $REDIS (cross needs it; --redis URL, or leave cross out with --scenarios)" >&2
	exit 1
fi

# redis_del KEY: deletes a key (the stream of an xstreams run; keys here have no spaces), over
# bash's /dev/tcp with Redis' inline protocol.
redis_del() {
	local hostport=${REDIS#redis://}
	hostport=${hostport##*@}
	hostport=${hostport%%/*}
	local host=${hostport%%:*} port=${hostport##*:}
	[ "$port" = "$hostport" ] && port=6379
	timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "DEL %s\r\n" "$3" >&3 && read -r line <&3' _ "$host" "$port" "$1" 2>/dev/null || true
}

# ---- servers ----

STARTED=() # the servers started and not yet stopped, for the exit trap
cleanup() {
	local p
	for p in "${STARTED[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
}
forget() {
	local p keep=()
	for p in "${STARTED[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	STARTED=("${keep[@]}")
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server KIND LOG [REDIS_KEY [ADAPTER]]: starts a server, waits for its ready line, sets
# SPID, SPORT.
start_server() {
	local kind=$1 log=$2 key=${3:-} adapter=${4:-classic} cmd
	case $kind in
	go1) cmd=(env GOMAXPROCS=1 "${PIN_SERVER[@]}" "$OUT/bin/goserver") ;;
	go) cmd=("$OUT/bin/goserver") ;;
	node) cmd=("${PIN_SERVER[@]}" node "$ROOT/bench/node/server.js") ;;
	esac
	if [ "$PROFILE" = 1 ] && [ "$kind" != node ]; then
		cmd+=(-cpuprofile "${log%.log}.pprof")
	fi
	if [ -n "$key" ]; then
		if [ "$kind" = node ]; then
			cmd+=(--redis "$REDIS" --key "$key" --adapter "$adapter")
		else
			cmd+=(-redis "$REDIS" -key "$key" -adapter "$adapter")
		fi
	fi
	"${cmd[@]}" >"$log" 2>&1 &
	local child=$!
	STARTED+=("$child")
	SPID= SPORT=
	local i line
	for i in $(seq 200); do
		line=$(grep -m1 '^ready pid=' "$log" || true)
		if [ -n "$line" ]; then
			SPID=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$line")
			SPORT=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$line")
			if [ "$SPID" != "$child" ]; then
				# not the process started (a wrapper that did not exec): stop both
				STARTED+=("$SPID")
			fi
			return 0
		fi
		if ! kill -0 "$child" 2>/dev/null; then break; fi
		sleep 0.1
	done
	echo "run.sh: $kind server did not start:" >&2
	tail -n 20 "$log" >&2
	stop_server "$child"
	return 1
}

# stop_server PID: SIGTERM, SIGKILL after 5 s; reaps it when it is this shell's child.
stop_server() {
	local pid=$1 i
	forget "$pid"
	if kill -TERM "$pid" 2>/dev/null; then
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			# a child that exited stays a zombie (kill -0 succeeds) until waited for
			if [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]; then break; fi
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
}

FAILED=0

# record_failure SCENARIO KIND ROUND N MESSAGE: a JSON line for a run that printed none.
record_failure() {
	local msg=${5//\"/\'}
	printf '{"scenario":"%s","server":"%s","round":%d,"n":%d,"ok":false,"error":"%s"}\n' "$1" "$2" "$3" "$4" "$msg" >>"$RESULTS"
	FAILED=$((FAILED + 1))
}

# run_one SCENARIO KIND ROUND N: one server (two for cross), one load generator run.
run_one() {
	local sc=$1 kind=$2 round=$3 n=$4
	local tag="$sc-$n-$kind-r$round" args=() pids url urla="" key="" pa="" pb=""
	local genlog="$OUT/logs/$tag.loadgen.log"
	case $sc in
	mem) args=(-settle "$SETTLE" -hold "$HOLD") ;;
	fanout)
		# The same burst (K events to every client) at every size, so that the figures per
		# delivery compare across sizes: only the number of clients changes.
		args=(-k "$FANOUT_K" -bursts "$BURSTS")
		;;
	echo) args=(-duration "$DURATION" -warmup "$WARMUP") ;;
	cross | xstreams) args=(-duration "$DURATION" -idle "$IDLE") ;;
	esac
	if [ "$sc" = cross ] || [ "$sc" = xstreams ]; then
		local adapter=classic
		[ "$sc" = xstreams ] && adapter=streams
		key="gosockio-bench-$$-$RANDOM-$tag"
		start_server "$kind" "$OUT/logs/$tag.server-a.log" "$key" "$adapter" || { record_failure "$sc" "$kind" "$round" "$n" "node A did not start"; return; }
		pa=$SPID urla=127.0.0.1:$SPORT
		start_server "$kind" "$OUT/logs/$tag.server-b.log" "$key" "$adapter" || { stop_server "$pa"; record_failure "$sc" "$kind" "$round" "$n" "node B did not start"; return; }
		pb=$SPID url=127.0.0.1:$SPORT
		pids=$pa,$pb
		args+=(-url-a "$urla")
	else
		start_server "$kind" "$OUT/logs/$tag.server.log" || { record_failure "$sc" "$kind" "$round" "$n" "server did not start"; return; }
		pa=$SPID url=127.0.0.1:$SPORT pids=$SPID
	fi
	echo "-- round $round: $sc, $n clients, $kind" >&2
	local limit=$((600 + $(to_seconds "$HOLD")))
	local line rc=0
	line=$(timeout "$limit" "${PIN_GEN[@]}" "$OUT/bin/loadgen" -scenario "$sc" -url "$url" -pid "$pids" -n "$n" \
		-server "$kind" -round "$round" -timeout 590s "${args[@]}" 2>"$genlog") || rc=$?
	for p in $pa $pb; do stop_server "$p"; done
	[ "$sc" = xstreams ] && redis_del "$key"
	if [ -n "$line" ]; then
		echo "$line" >>"$RESULTS"
		echo "   $line" >&2
	else
		record_failure "$sc" "$kind" "$round" "$n" "load generator exited $rc without a result"
	fi
	if [ $rc -ne 0 ]; then
		[ -n "$line" ] && FAILED=$((FAILED + 1))
		echo "   FAILED (exit $rc); load generator log:" >&2
		tail -n 5 "$genlog" >&2
	fi
}

# to_seconds 2m → 120 (s, m, h; ms and bare numbers round down).
to_seconds() {
	local d=$1
	case $d in
	*ms) echo 0 ;;
	*h) echo $((${d%h} * 3600)) ;;
	*m) echo $((${d%m} * 60)) ;;
	*s) echo "${d%s}" | cut -d. -f1 ;;
	*) echo "$d" | cut -d. -f1 ;;
	esac
}

read -r -a KINDS <<<"${SERVERS//,/ }"
began=$(date +%s)
for round in $(seq "$ROUNDS"); do
	# rotate the servers' order from one round to the next
	order=()
	for i in "${!KINDS[@]}"; do
		order+=("${KINDS[$(((i + round - 1) % ${#KINDS[@]}))]}")
	done
	for sc in ${SCENARIOS//,/ }; do
		case $sc in
		mem | fanout) sizes=${CLIENTS//,/ } ;;
		echo) sizes=$ECHO_CLIENTS ;;
		cross | xstreams) sizes=$CROSS_CLIENTS ;;
		esac
		for n in $sizes; do
			for kind in "${order[@]}"; do
				run_one "$sc" "$kind" "$round" "$n"
				sleep "$PAUSE"
			done
		done
	done
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo
echo "Side-by-side benchmark, $(date -u +%Y-%m-%d): $ROUNDS round(s), $(nproc) cores ($cpu), $(uname -sr),"
echo "$(go version | awk '{print $3}'), Node $(node --version 2>/dev/null || echo '-'); servers pinned: ${PIN_SERVER[*]:-no}, load generator: ${PIN_GEN[*]:-not pinned}; $(($(date +%s) - began)) s."
echo "Each cell: median (min–max) over the rounds; ratios are medians, gosockio / Node."
echo
"$OUT/bin/loadgen" report "$RESULTS"
echo
echo "Results: $RESULTS"
if [ "$FAILED" -gt 0 ]; then
	echo "run.sh: $FAILED run(s) failed" >&2
	exit 1
fi
