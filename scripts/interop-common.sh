# Sourced by scripts/interop.sh and scripts/interop-s3.sh: what both do with a qtusd and its
# clients. The caller sets work_dir, server_out, server_err, server_pid, and the totals
# total_passed, total_failed and status (0) before it runs a client.

show_server_log() {
    echo "--- qtusd stdout ---" >&2; cat "$server_out" >&2 || true
    echo "--- qtusd stderr ---" >&2; tail -n 50 "$server_err" >&2 || true
}

# Stops the running qtusd (SIGTERM, then SIGKILL after 5 s).
stop_server() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}

# NAME: node and npm are there, and tests/interop/node_modules is exactly as locked (npm ci
# when it is missing or older than package-lock.json). Uses interop_dir and die.
need_node_clients() {
    command -v node >/dev/null || die "node is not installed"
    command -v npm >/dev/null || die "npm is not installed"
    if [[ ! -d "$interop_dir/node_modules" || "$interop_dir/package-lock.json" -nt "$interop_dir/node_modules" ]]; then
        echo "$1: npm ci in tests/interop"
        (cd "$interop_dir" && npm ci --no-audit --no-fund) >&2
        touch "$interop_dir/node_modules"
    fi
}

result_line='^([0-9]+) passed, ([0-9]+) failed$'

# Runs one client, shows its lines but its own count line, and adds that count to the totals.
# A client that exits non-zero without a failed check, or prints no count, counts one failure.
run_client() {
    local label="$1"; shift
    local out="$work_dir/$label.out" rc line
    echo "# $label"
    set +e
    "$@" | tee "$out" | grep --line-buffered -v -E "$result_line"
    rc=${PIPESTATUS[0]}
    set -e
    line="$(grep -E "$result_line" "$out" | tail -n 1 || true)"
    if [[ "$line" =~ $result_line ]]; then
        total_passed=$((total_passed + BASH_REMATCH[1]))
        total_failed=$((total_failed + BASH_REMATCH[2]))
        if [[ $rc -ne 0 && ${BASH_REMATCH[2]} -eq 0 ]]; then
            echo "not ok - $label exited with status $rc"
            total_failed=$((total_failed + 1))
        fi
    else
        echo "not ok - $label printed its result line (exit status $rc)"
        total_failed=$((total_failed + 1))
    fi
    [[ $rc -eq 0 ]] || status=1
}

# A Python with tusclient: QTUS_PYTHON, else the first of python3, /usr/bin/python3 that has
# it; empty when none has.
find_tuspy_python() {
    local candidate
    for candidate in ${QTUS_PYTHON:-} python3 /usr/bin/python3; do
        if command -v "$candidate" >/dev/null && "$candidate" -c 'import tusclient' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
}
