#!/bin/sh
# A tether-broker that serves normally but exits 3 when stopped, as one with a sanitizer's
# report at exit does: tether-sim must fail the run (sim_cli_test.cc).
"$TETHER_REAL_BROKER" "$@" &
child=$!
trap 'kill -TERM "$child"; wait "$child"; exit 3' TERM
wait "$child"
