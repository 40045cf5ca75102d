#!/usr/bin/env bash
# mcx-lab: entrypoint of the mcx-migrate lab image (installed as /usr/local/bin/mcx-lab).
#
#   mcx-lab COMPONENT [ARGS...]   run one component in the foreground (exec):
#                                 hss | mms | cscf | ue | ctl  (mcx-hss, mcx-mms, ...)
#   mcx-lab all-in-one            the whole primary/partner lab on loopback, kept running
#   mcx-lab demo                  all-in-one, the migrated registration (TS 23.280 10.1.6.2) and
#                                 its checks, home and MD5 registrations, the 403 case; stop
#   mcx-lab self-test             versions + demo; exit 0 when every check passed
#   mcx-lab provision             provision subscribers and bindings (MCX_*_DB, see below)
#   mcx-lab health [tcp|udp [IPV4:]PORT]...  exit 0 when each is bound (default: all-in-one's)
#   mcx-lab versions              each binary's version
#
# Without arguments the command comes from MCX_COMPONENT (default: all-in-one).
# Environment: MCX_CONFIG_DIR (/etc/mcx), MCX_STATE_DIR (/var/lib/mcx), MCX_RUN_DIR (/run/mcx),
# MCX_LOG_DIR (/var/log/mcx), MCX_BIN_DIR (binaries; default: PATH), MCX_SIP_ADDRESS (all-in-one:
# the partner CSCF's SIP address; "auto" = the container's own, for a published port),
# MCX_PRIMARY_DB / MCX_PARTNER_HSS_DB / MCX_PARTNER_MMS_DB and MCX_PRIMARY_MMS_URL (provision).
set -euo pipefail

CONFIG_DIR="${MCX_CONFIG_DIR:-/etc/mcx}"
STATE_DIR="${MCX_STATE_DIR:-/var/lib/mcx}"
RUN_DIR="${MCX_RUN_DIR:-/run/mcx}"
LOG_DIR="${MCX_LOG_DIR:-/var/log/mcx}"
BIN_DIR="${MCX_BIN_DIR:-}"
START_TIMEOUT="${MCX_START_TIMEOUT:-30}" # seconds to wait for one daemon's listeners

# The lab's users: the same as ./lab's (README "Registering SIPp and pjsua against the lab");
# keys of 3GPP TS 35.208 test sets without a 0x00 byte: public test values, lab only.
ALICE_K=465b5ce8b199b49faa5f0a2ee238a6bc
ALICE_OP=cdc202d5123e20f62b6d676ac72cb318
CAROL_K=fec86ba6eb707ed08905757b1bb44b8f
CAROL_OP=dbc59adcb6f9a0ef735477b7fadf8374
BOB_K=4ab1deb05ca6ceb051fc98e77d026a84
BOB_OP=2d16c5cd1fdf6b22383584e3bef2a8d8
DAVE_PASSWORD=dave-lab-pw
ALICE_PRIMARY=alice@primary.mcx.lab     # may migrate to partner.mcx.lab
ALICE_PARTNER=alice@mig.partner.mcx.lab # her partner identity (the binding)
CAROL_PRIMARY=carol@primary.mcx.lab     # bound, but not allowed to migrate: 403
CAROL_PARTNER=carol@mig.partner.mcx.lab
DAVE_PRIMARY=dave@primary.mcx.lab       # SIP Digest (MD5) user of the primary system
BOB_PARTNER=bob@partner.mcx.lab         # the partner system's own user (partner HSS)
AKA_SCHEMES=(--scheme Digest-AKAv1-MD5 --scheme Digest-AKAv2-MD5)

say() { printf 'mcx-lab: %s\n' "$*" >&2; }
die() {
    printf 'mcx-lab: error: %s\n' "$*" >&2
    exit 1
}

# bin NAME: path of an mcx binary.
bin() {
    if [ -n "$BIN_DIR" ]; then printf '%s/%s' "$BIN_DIR" "$1"; else command -v "$1" || printf '%s' "$1"; fi
}

cmd_versions() {
    local name status=0
    for name in mcx-hss mcx-mms mcx-cscf mcx-ue mcx-ctl; do
        if "$(bin "$name")" --version 2>/dev/null; then
            continue
        fi
        # no --version (yet): --help proves the binary and its libraries load
        if "$(bin "$name")" --help >/dev/null 2>&1; then
            echo "$name (no --version option; --help ok)"
        else
            echo "$name: does not run" >&2
            status=1
        fi
    done
    return $status
}

# port_bound PROTO [IPV4:]PORT: whether a socket is bound to PORT (on that IPv4 address, when
# given; tcp: listening) in this network namespace, read from /proc/net (the slim image has no
# iproute2).
port_bound() {
    local proto="$1" where="$2" files addr="" port
    case "$proto" in
    tcp) files="/proc/net/tcp /proc/net/tcp6" ;;
    udp) files="/proc/net/udp /proc/net/udp6" ;;
    *) return 2 ;;
    esac
    port="${where##*:}"
    [ "$port" != "$where" ] && addr="${where%:*}"
    # shellcheck disable=SC2086
    cat $files 2>/dev/null | awk -v want="$(printf '%04X' "$port")" -v proto="$proto" -v addr="$addr" '
        BEGIN {
            hex = ""
            if (addr != "") {  # /proc/net shows IPv4 addresses as little-endian hex
                split(addr, o, ".")
                hex = sprintf("%02X%02X%02X%02X", o[4], o[3], o[2], o[1])
            }
        }
        $2 ~ /:/ {
            split($2, local, ":")
            if (toupper(local[2]) != want || (proto == "tcp" && $4 != "0A")) next
            if (hex == "" || toupper(local[1]) == hex || local[1] ~ /^0+$/) found = 1
        }
        END { exit found ? 0 : 1 }'
}

# partner_sip_address: the partner CSCF's SIP address in all-in-one (MCX_SIP_ADDRESS; "auto" is
# this container's first address).
partner_sip_address() {
    local addr="${MCX_SIP_ADDRESS:-127.0.20.1}"
    if [ "$addr" = auto ]; then
        addr="$(hostname -I 2>/dev/null | awk '{ print $1 }')"
        [ -n "$addr" ] || die "MCX_SIP_ADDRESS=auto: this container has no address"
    fi
    printf '%s' "$addr"
}

# The all-in-one listeners (DESIGN.md section 5): PROTO:[ADDRESS:]PORT of every daemon.
aio_ports() {
    echo "tcp:3868 tcp:3869 tcp:3870 tcp:3871 tcp:3872 tcp:3873 tcp:7300 udp:127.0.10.1:5060" \
        "udp:$(partner_sip_address):5060"
}

cmd_health() {
    local specs=("$@") spec
    [ ${#specs[@]} -gt 0 ] || read -r -a specs <<<"$(aio_ports)"
    while [ ${#specs[@]} -gt 0 ]; do
        spec="${specs[0]}"
        if [ "$spec" = tcp ] || [ "$spec" = udp ]; then
            [ ${#specs[@]} -ge 2 ] || die "health: $spec needs a PORT"
            port_bound "$spec" "${specs[1]}" || { say "health: $spec port ${specs[1]} not bound"; return 1; }
            specs=("${specs[@]:2}")
        else
            port_bound "${spec%%:*}" "${spec#*:}" || { say "health: $spec not bound"; return 1; }
            specs=("${specs[@]:1}")
        fi
    done
}

# ctl DB ARGS...: mcx-ctl against one database.
ctl() {
    local db="$1"
    shift
    "$(bin mcx-ctl)" --db "$db" "$@"
}

# ensure_subscriber DB IMPI ARGS...: adds the subscriber unless it is already there (re-runs).
ensure_subscriber() {
    local db="$1" impi="$2"
    shift 2
    if ctl "$db" subscriber show --impi "$impi" >/dev/null 2>&1; then
        say "provision: subscriber $impi already in $db"
        return 0
    fi
    ctl "$db" subscriber add --impi "$impi" "$@" >/dev/null
    say "provision: subscriber $impi added to $db"
}

# ensure_binding DB PARTNER-IMPI ARGS...: adds the migration binding unless it is there.
ensure_binding() {
    local db="$1" impi="$2"
    shift 2
    if ctl "$db" binding show --partner-impi "$impi" >/dev/null 2>&1; then
        say "provision: binding $impi already in $db"
        return 0
    fi
    ctl "$db" binding add --partner-impi "$impi" "$@" >/dev/null
    say "provision: binding $impi added to $db"
}

# Provisions the lab's users: primary subscribers (alice may migrate to partner.mcx.lab, carol
# may not, dave uses MD5), the partner MMS's bindings for alice and carol, the partner HSS's bob.
cmd_provision() {
    local primary_db="${MCX_PRIMARY_DB:-sqlite:$STATE_DIR/primary.db}"
    local partner_hss_db="${MCX_PARTNER_HSS_DB:-sqlite:$STATE_DIR/partner_hss.db}"
    local partner_mms_db="${MCX_PARTNER_MMS_DB:-sqlite:$STATE_DIR/partner_mms.db}"
    local primary_mms="${MCX_PRIMARY_MMS_URL:-tcp://127.0.10.1:7300}" name
    mkdir -p "$STATE_DIR"
    ensure_subscriber "$primary_db" "$ALICE_PRIMARY" --impu "sip:$ALICE_PRIMARY" \
        --k "$ALICE_K" --op "$ALICE_OP" "${AKA_SCHEMES[@]}" --allow-partner partner.mcx.lab
    ensure_subscriber "$primary_db" "$CAROL_PRIMARY" --impu "sip:$CAROL_PRIMARY" \
        --k "$CAROL_K" --op "$CAROL_OP" "${AKA_SCHEMES[@]}"
    ensure_subscriber "$primary_db" "$DAVE_PRIMARY" --impu "sip:$DAVE_PRIMARY" \
        --k "$CAROL_K" --op "$CAROL_OP" --scheme "SIP Digest" --password "$DAVE_PASSWORD"
    ensure_subscriber "$partner_hss_db" "$BOB_PARTNER" --impu "sip:$BOB_PARTNER" \
        --k "$BOB_K" --op "$BOB_OP" "${AKA_SCHEMES[@]}"
    for name in alice carol; do
        ensure_binding "$partner_mms_db" "$name@mig.partner.mcx.lab" \
            --partner-impu "sip:$name@mig.partner.mcx.lab" --primary-impi "$name@primary.mcx.lab" \
            --primary-impu "sip:$name@primary.mcx.lab" --primary-system primary.mcx.lab \
            --primary-mms "$primary_mms"
    done
}

# ---- all-in-one: the whole topology in this container, on loopback ----

STARTED_PIDS=()
STARTED_NAMES=()
TAIL_PID="" # all-in-one: the tail -F that streams the logs

# start_daemon NAME PORTS BINARY ARGS...: starts one daemon in the background (log in
# LOG_DIR/NAME.log) and waits until its PORTS (proto:port ...) are bound.
start_daemon() {
    local name="$1" ports="$2" binary="$3"
    shift 3
    local log="$LOG_DIR/$name.log"
    "$(bin "$binary")" "$@" >"$log" 2>&1 &
    local pid=$!
    STARTED_PIDS+=("$pid")
    STARTED_NAMES+=("$name")
    local waited=0 spec ready
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            say "$name exited during start-up; last log lines:"
            tail -n 20 "$log" >&2
            return 1
        fi
        ready=1
        for spec in $ports; do
            port_bound "${spec%%:*}" "${spec#*:}" || ready=0
        done
        [ $ready = 1 ] && break
        if [ $waited -ge $((START_TIMEOUT * 10)) ]; then
            say "$name: listeners $ports not up after ${START_TIMEOUT}s; last log lines:"
            tail -n 20 "$log" >&2
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    say "started $name (pid $pid, $ports)"
}

# Stops exactly the daemons start_daemon started, newest first (and the log tail).
stop_all() {
    local i pid
    if [ -n "$TAIL_PID" ]; then
        kill "$TAIL_PID" 2>/dev/null || true
        wait "$TAIL_PID" 2>/dev/null || true
        TAIL_PID=""
    fi
    for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        pid="${STARTED_PIDS[$i]}"
        kill -TERM "$pid" 2>/dev/null || true
    done
    for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        pid="${STARTED_PIDS[$i]}"
        wait "$pid" 2>/dev/null || true
    done
    STARTED_PIDS=()
    STARTED_NAMES=()
}

# Copies the all-in-one configuration into RUN_DIR, applying MCX_SIP_ADDRESS.
prepare_config() {
    local src="$CONFIG_DIR/all-in-one" dst="$RUN_DIR/config"
    [ -d "$src" ] || die "no configuration in $src"
    mkdir -p "$dst" "$STATE_DIR" "$LOG_DIR"
    local file
    for file in "$src"/*.yaml; do
        sed -e "s#/var/lib/mcx#$STATE_DIR#g" -e "s#/run/mcx#$RUN_DIR#g" "$file" >"$dst/${file##*/}"
    done
    local sip_address
    sip_address="$(partner_sip_address)"
    if [ "$sip_address" != 127.0.20.1 ]; then
        sed -i -e "s/^  address: 127.0.20.1\$/  address: $sip_address/" \
            -e "s/orig@127.0.20.1:5060/orig@$sip_address:5060/" "$dst/partner-cscf.yaml"
        # only the sip: section's address: the diameter address stays on loopback
        awk '/^diameter:/ { d = 1 } d && /^  address:/ { $0 = "  address: 127.0.20.1" } { print }' \
            "$dst/partner-cscf.yaml" >"$dst/partner-cscf.yaml.tmp"
        mv "$dst/partner-cscf.yaml.tmp" "$dst/partner-cscf.yaml"
    fi
}

# Starts the six daemons of the two systems (DESIGN.md section 5 addresses and ports).
start_lab() {
    local cfg="$RUN_DIR/config"
    prepare_config
    cmd_provision
    trap 'stop_all; exit 143' TERM
    trap 'stop_all; exit 130' INT
    if ! start_daemon primary-hss "tcp:3868" mcx-hss --config "$cfg/primary-hss.yaml" ||
        ! start_daemon partner-hss "tcp:3869" mcx-hss --config "$cfg/partner-hss.yaml" ||
        ! start_daemon primary-mms "tcp:3873 tcp:7300" mcx-mms --role primary \
            --config "$cfg/primary-mms.yaml" ||
        ! start_daemon partner-mms "tcp:3870" mcx-mms --role partner \
            --config "$cfg/partner-mms.yaml" ||
        ! start_daemon primary-cscf "tcp:3871 udp:127.0.10.1:5060" mcx-cscf \
            --config "$cfg/primary-cscf.yaml" ||
        ! start_daemon partner-cscf "tcp:3872 udp:$(partner_sip_address):5060" mcx-cscf \
            --config "$cfg/partner-cscf.yaml"; then
        stop_all
        return 1
    fi
    say "lab up: primary 127.0.10.1 (HSS 3868, MMS 3873 + link 7300, CSCF 5060), partner" \
        "127.0.20.1 (HSS 3869, MMS 3870), partner CSCF SIP $(partner_sip_address):5060," \
        "logs in $LOG_DIR"
}

# register_migrated: mcx-ue registers alice with her partner identity at the partner CSCF.
register_migrated() {
    say "UE: REGISTER $ALICE_PARTNER at the partner CSCF (credentials held by the primary HSS)"
    "$(bin mcx-ue)" register --config "$RUN_DIR/config/ue.yaml" --verbose
}

# ue_register ARGS...: one more registration with the lab UE's local address and state.
ue_register() {
    "$(bin mcx-ue)" register --local 127.0.30.1 --t1-ms 500 "$@"
}

# check_log NAME PATTERN WHAT: the daemon's log has a line matching PATTERN (an ERE).
check_log() {
    if grep -Eq "$2" "$LOG_DIR/$1.log"; then
        say "ok: $3"
        return 0
    fi
    say "missing in $1.log: $3"
    return 1
}

# The TS 23.280 10.1.6.2 trace of alice's registration: the log lines naming her, by time.
print_trace() {
    say "trace (steps 2-14, from the daemons' logs):"
    grep -h -E "alice@" "$LOG_DIR"/*.log | sort | cut -c1-220 >&2 || true
}

# demo_checks: the migrated registration and what must have happened on the way (as ./lab demo:
# then a home registration in each system), the MD5 user, and the user the primary refuses.
demo_checks() {
    register_migrated || return 1
    check_log partner-mms "event=mar .*impi=$ALICE_PARTNER.*primary_impi=$ALICE_PRIMARY" \
        "partner MMS mapped $ALICE_PARTNER to $ALICE_PRIMARY (steps 3-4)" || return 1
    check_log primary-mms "event=link_request .*origin=partner.mcx.lab impi=$ALICE_PRIMARY.*result=SUCCESS" \
        "primary MMS served the partner's GetSipAuthInfo request (steps 5, 8)" || return 1
    check_log primary-hss "event=mar impi=$ALICE_PRIMARY .*result=2001" \
        "primary HSS issued the vectors (steps 6-7)" || return 1
    check_log partner-cscf "event=register_ok .*impi=$ALICE_PARTNER" \
        "partner CSCF registered the migrated UE (steps 12-14)" || return 1
    print_trace
    say "UE: REGISTER $ALICE_PRIMARY at the primary CSCF (home registration, AKA)"
    ue_register --impi "$ALICE_PRIMARY" --k "$ALICE_K" --op "$ALICE_OP" \
        --server 127.0.10.1:5060 --state "$STATE_DIR/ue-alice.state" || return 1
    say "UE: REGISTER $BOB_PARTNER at the partner CSCF (the partner's own user, AKA)"
    ue_register --impi "$BOB_PARTNER" --k "$BOB_K" --op "$BOB_OP" --server 127.0.20.1:5060 \
        --state "$STATE_DIR/ue-bob.state" || return 1
    say "UE: REGISTER $DAVE_PRIMARY at the primary CSCF (MD5 digest)"
    ue_register --impi "$DAVE_PRIMARY" --k "$CAROL_K" --op "$CAROL_OP" --algorithm MD5 \
        --password "$DAVE_PASSWORD" --server 127.0.10.1:5060 \
        --state "$STATE_DIR/ue-dave.state" || return 1
    say "UE: REGISTER $CAROL_PARTNER at the partner CSCF (bound, not allowed to migrate)"
    local status=0
    ue_register --impi "$CAROL_PARTNER" --k "$CAROL_K" --op "$CAROL_OP" \
        --server 127.0.20.1:5060 --state "$STATE_DIR/ue-carol.state" 2>/dev/null || status=$?
    if [ $status -ne 6 ]; then # mcx-ue: 6 = 403 Forbidden
        say "$CAROL_PARTNER: expected 403 (mcx-ue exit 6), got exit $status"
        return 1
    fi
    say "ok: $CAROL_PARTNER refused with 403"
}

cmd_all_in_one() {
    start_lab
    say "running; stop with SIGTERM (docker stop)"
    tail -n +1 -F "$LOG_DIR"/*.log &
    TAIL_PID=$!
    # wait returns when a daemon exits or a signal arrives (the traps stop everything)
    wait -n "${STARTED_PIDS[@]}" || true
    say "a daemon exited; stopping the lab"
    stop_all
    return 1
}

# demo: the lab's end-to-end migrated registration, then everything stops. Exit 0 on 200 OK.
cmd_demo() {
    unset MCX_SIP_ADDRESS # the demo's UE registers at 127.0.20.1
    start_lab
    local status=0
    demo_checks || status=$?
    if [ $status -eq 0 ]; then
        say "PASS: $ALICE_PARTNER registered in the partner system with vectors from the primary HSS"
    else
        say "FAIL (status $status); daemon logs follow"
        local name
        for name in "${STARTED_NAMES[@]}"; do
            echo "--- $name" >&2
            tail -n 15 "$LOG_DIR/$name.log" >&2
        done
    fi
    stop_all
    return $status
}

# The image's self-test: what docker/check runs inside the image's root file system.
SELF_TEST_E2E=1 # 1: the end-to-end migrated registration (demo) is part of the self-test

cmd_self_test() {
    say "self-test: binaries"
    cmd_versions
    if [ "$SELF_TEST_E2E" = 1 ]; then
        say "self-test: end-to-end migrated registration (embedded SQLite store)"
        cmd_demo
    fi
    say "self-test: passed"
}

run_component() {
    local component="$1"
    shift
    case "$component" in
    hss | mms | cscf | ue | ctl) exec "$(bin "mcx-$component")" "$@" ;;
    mcx-hss | mcx-mms | mcx-cscf | mcx-ue | mcx-ctl) exec "$(bin "$component")" "$@" ;;
    esac
    return 2
}

main() {
    local cmd="${1:-${MCX_COMPONENT:-all-in-one}}"
    [ $# -gt 0 ] && shift
    case "$cmd" in
    all-in-one) cmd_all_in_one ;;
    demo) cmd_demo ;;
    self-test) cmd_self_test ;;
    provision) cmd_provision ;;
    health) cmd_health "$@" ;;
    versions) cmd_versions ;;
    help | -h | --help) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' ;;
    *) run_component "$cmd" "$@" || die "unknown command '$cmd' (mcx-lab help)" ;;
    esac
}

main "$@"
