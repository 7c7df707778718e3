# bench/server-common.sh — sourced by bench/serve.sh, bench/during.sh and bench/load.sh: a fresh SQLite
# store with a platform, an admin (ingest) and a moderator, and `saring serve` on it.
#
# start_fresh_server [NAME=VALUE ...]: needs BIN (the saring binary), WORK (an empty folder)
# and a `die` function; sets DB, INGEST_TOKEN, MOD_TOKEN, SERVER_PID and URL. The server runs
# in the background with RUST_LOG=warn and the per-token rate limits lifted, plus the
# NAME=VALUE settings given (which win over those), logging to $WORK/server.log; the caller
# stops it.
start_fresh_server() {
    DB="sqlite://$WORK/s.db"
    "$BIN" platform add michat --db "$DB" > "$WORK/platform.out" 2>&1 \
        || { cat "$WORK/platform.out" >&2; die "saring platform add failed"; }
    "$BIN" user add ingest --tenant michat --role admin --db "$DB" > "$WORK/ingest.out" 2>&1 \
        || { cat "$WORK/ingest.out" >&2; die "saring user add ingest failed"; }
    "$BIN" user add mod1 --tenant michat --role moderator --db "$DB" > "$WORK/mod1.out" 2>&1 \
        || { cat "$WORK/mod1.out" >&2; die "saring user add mod1 failed"; }
    INGEST_TOKEN="$(grep -oE 'srg_[A-Za-z0-9_-]+' "$WORK/ingest.out" | head -n1)"
    MOD_TOKEN="$(grep -oE 'srg_[A-Za-z0-9_-]+' "$WORK/mod1.out" | head -n1)"
    [[ -n "$INGEST_TOKEN" && -n "$MOD_TOKEN" ]] \
        || die "no srg_ token in the output of saring user add (see $WORK/*.out)"
    rm -f "$WORK/ingest.out" "$WORK/mod1.out"

    # The benchmarks measure throughput and latency, not the per-token rate limits
    # ([limits]): lift them.
    env SARING_LIMITS__API_PER_SECOND=1000000 SARING_LIMITS__API_BURST=1000000 \
        SARING_LIMITS__INGEST_PER_SECOND=1000000 SARING_LIMITS__INGEST_BURST=1000000 \
        RUST_LOG=warn "$@" "$BIN" serve --db "$DB" --listen 127.0.0.1:0 > "$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    URL=""
    for _ in $(seq 300); do
        kill -0 "$SERVER_PID" 2> /dev/null || { cat "$WORK/server.log" >&2; die "saring serve exited at start"; }
        URL="$(grep -oE 'listening on http://[0-9.:]+' "$WORK/server.log" | head -n1 | sed 's/^listening on //' || true)"
        [[ -n "$URL" ]] && break
        sleep 0.1
    done
    [[ -n "$URL" ]] || { cat "$WORK/server.log" >&2; die "saring serve did not say where it listens within 30 s"; }
}
