#!/usr/bin/env bash
# bench/soak/soak.sh: a bounded soak of one tether-broker (issue 9 item 8; not CI).
#
# Starts a private broker, then two tether-sim runs against it for DURATION:
#   agents.yaml   AGENTS enrolled device agents online at once, each replaced every HOLD;
#   sessions.yaml SESSIONS unattended sessions at once, each ~10 s of streamed output.
# Samples the broker's resident memory and open descriptors from /proc at the start
# (idle), once the load is up, every SAMPLE seconds, at the end of the load and once it
# has drained (idle again), and prints them with the sims' results.
#
#   bench/soak/soak.sh [--minutes M] [--agents N] [--sessions N] [--hold SECONDS] [--build DIR]
# Defaults: 10 minutes, 2000 agents, 200 sessions, hold 60 s, build directory ./build.
set -euo pipefail

MINUTES=10 AGENTS=2000 SESSIONS=200 HOLD=60 BUILD=build SAMPLE=30
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    --agents) AGENTS="$2"; shift 2 ;;
    --sessions) SESSIONS="$2"; shift 2 ;;
    --hold) HOLD="$2"; shift 2 ;;
    --build) BUILD="$2"; shift 2 ;;
    --sample) SAMPLE="$2"; shift 2 ;;
    *) echo "usage: $0 [--minutes M] [--agents N] [--sessions N] [--hold S] [--build DIR] [--sample S]" >&2; exit 2 ;;
  esac
done

HERE="$(cd "$(dirname "$0")" && pwd)"
BIN="$(cd "$BUILD" && pwd)"
BROKER="$BIN/broker/tether-broker" CTL="$BIN/tools/tetherctl" SIM="$BIN/tools/tether-sim"
for b in "$BROKER" "$CTL" "$SIM"; do [[ -x "$b" ]] || { echo "soak: $b is not built" >&2; exit 2; }; done

ulimit -n "$(ulimit -Hn)"  # thousands of sockets on both sides
WORK="$(mktemp -d /tmp/tether-soak-XXXXXX)"
BROKER_PID="" AGENTS_PID="" SESSIONS_PID=""
cleanup() {
  for pid in $AGENTS_PID $SESSIONS_PID; do kill "$pid" 2>/dev/null || true; done
  if [[ -n "$BROKER_PID" ]]; then kill -TERM "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  echo "soak: logs and database kept in $WORK"
}
trap cleanup EXIT

PASSWORD="soak-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
echo "$PASSWORD" | "$CTL" init --db "$WORK/tether.db" --org soak --name Soak --admin-email owner@soak.test >"$WORK/init.log" 2>&1

# Every connection comes from 127.0.0.1 and every session from one technician: the
# per-address and per-user limits are raised here (their defaults suit real clients).
cat >"$WORK/broker.toml" <<EOF
max_connections = $((AGENTS * 2 + SESSIONS * 4 + 1000))
max_connections_per_address = $((AGENTS * 2 + SESSIONS * 4 + 1000))
max_handshakes_per_address = $((AGENTS * 2 + SESSIONS * 4 + 1000))
max_sessions_per_user = $((SESSIONS * 2))
login_failures_per_address = 1000000
EOF
"$BROKER" --db "$WORK/tether.db" --listen 127.0.0.1:0 --port-file "$WORK/port" --config "$WORK/broker.toml" \
  --log-level warn >"$WORK/broker.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 100); do [[ -s "$WORK/port" ]] && break; sleep 0.1; done
[[ -s "$WORK/port" ]] || { echo "soak: the broker did not start" >&2; cat "$WORK/broker.log" >&2; exit 1; }
PORT="$(cat "$WORK/port")"
URL="ws://127.0.0.1:$PORT/v1/ws"

# One line per sample: when, what, RSS (kB), open descriptors, connections, live sessions.
metric() { curl -s "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
sample() {
  local rss fds
  rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$BROKER_PID/status")"
  fds="$(ls "/proc/$BROKER_PID/fd" | wc -l)"
  printf '%-8s %-22s rss_kb=%-8s heap_in_use_kb=%-8s heap_held_kb=%-8s fds=%-6s connections=%-6s sessions=%s\n' \
    "$(( $(date +%s) - START ))s" "$1" "$rss" "$(( $(metric tether_heap_in_use_bytes) / 1024 ))" \
    "$(( $(metric tether_heap_held_bytes) / 1024 ))" "$fds" "$(metric tether_connections_open)" \
    "$(metric tether_sessions_live)" | tee -a "$WORK/samples.txt"
}

START=$(date +%s)
SECONDS_TOTAL=$((MINUTES * 60))
[[ $SECONDS_TOTAL -gt 0 ]] || SECONDS_TOTAL=60
sample "start (idle)"

sed "s/HOLD/${HOLD}s/" "$HERE/agents.yaml" >"$WORK/agents.yaml"
AGENT_ROUNDS=$(( (SECONDS_TOTAL + HOLD - 1) / HOLD ))
SESSION_ROUNDS=$(( (SECONDS_TOTAL + 9) / 10 ))
export TETHER_SIM_PASSWORD="$PASSWORD"
GUARD=$((SECONDS_TOTAL + HOLD + 300))  # a sim that hangs is stopped (exit 124), not waited for
timeout "$GUARD" "$SIM" run "$WORK/agents.yaml" --broker "$URL" --org soak --email owner@soak.test \
  --repeat $((AGENTS * AGENT_ROUNDS)) --concurrency "$AGENTS" >"$WORK/agents.out" 2>"$WORK/agents.err" &
AGENTS_PID=$!
timeout "$GUARD" "$SIM" run "$HERE/sessions.yaml" --broker "$URL" --org soak --email owner@soak.test \
  --repeat $((SESSIONS * SESSION_ROUNDS)) --concurrency "$SESSIONS" >"$WORK/sessions.out" 2>"$WORK/sessions.err" &
SESSIONS_PID=$!

sleep "$(( SAMPLE < SECONDS_TOTAL ? SAMPLE : SECONDS_TOTAL / 2 ))"
sample "load up"
while kill -0 "$AGENTS_PID" 2>/dev/null || kill -0 "$SESSIONS_PID" 2>/dev/null; do
  sleep "$SAMPLE"
  sample "load"
done
AGENTS_RC=0 SESSIONS_RC=0
wait "$AGENTS_PID" || AGENTS_RC=$?
wait "$SESSIONS_PID" || SESSIONS_RC=$?
AGENTS_PID="" SESSIONS_PID=""
sample "load ended"
for _ in $(seq 100); do [[ "$(metric tether_connections_open)" == "0" ]] && break; sleep 0.1; done
sleep 2
sample "end (idle)"

echo
echo "agents.yaml: exit $AGENTS_RC"; tail -n 8 "$WORK/agents.out"
echo "sessions.yaml: exit $SESSIONS_RC"; tail -n 8 "$WORK/sessions.out"
[[ $AGENTS_RC -eq 0 && $SESSIONS_RC -eq 0 ]]
