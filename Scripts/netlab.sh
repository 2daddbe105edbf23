#!/usr/bin/env bash
# Network lab: runs a federation over shaped links, one Linux network namespace per party.
#
# Usage:
#   Scripts/netlab.sh up --clients N --profile FILE.csv [--rows I,J,...|--row I] [--cycle]
#                        [--server-rate MBIT] [--delay-ms D] [--payload-rates]
#                        [--delay-impl auto|netem|nfqueue]
#   Scripts/netlab.sh exec NAME [--] CMD...   run CMD inside a namespace (NAME: srv, hub, c0, c1, ...)
#   Scripts/netlab.sh addr NAME               print the IPv4 address of srv / cK
#   Scripts/netlab.sh status                  what exists, addresses, tc settings, delay line
#   Scripts/netlab.sh down                    remove the lab (idempotent; safe after a killed `up`)
#
# Needs root and iproute2 (`ip`, `tc`: apt-get install iproute2). Only with --delay-ms > 0 (or a
# delay_ms column) on a kernel without sch_netem: python3 and iptables (apt-get install iptables),
# see "Delay" below.
#
# Topology (no interface, address, route or sysctl of the root namespace is added or changed;
# `up` keeps its client table and the delay daemon's log in /run/pollen-netlab):
#   pollen-hub   holds the bridge pollen-br0 and the bridge-side veth ends; no IP address.
#   pollen-srv   server: pollen-vs  (peer pollen-vsp on the bridge)  10.231.0.1/16
#   pollen-cK    client K: pollen-vK (peer pollen-vKp on the bridge) 10.231.A.B/16 with
#                A = 1 + K / 254, B = 1 + K % 254  (c0 = 10.231.1.1, c1 = 10.231.1.2, ...,
#                c253 = 10.231.1.254, c254 = 10.231.2.1, ...). `addr cK` prints it.
#   Every namespace has lo up. IPv6 is switched off inside the lab namespaces (no DAD/RS noise).
#
# Profile: CSV with a header naming at least down_mbps and up_mbps (Profiles/figure5.csv:
# client,examples_per_s,down_mbps,up_mbps,availability); an optional delay_ms column (one-way ms)
# wins over --delay-ms for its row. Blank lines and lines starting with # are skipped. Rows are
# numbered 0, 1, ... in file order (if there is a `client` column it must read 0, 1, ... in
# order, as the Swift parser requires). Client K uses row K; with --rows I,J,... client K uses
# the K-th entry of that list, cycling when N is longer; --row I gives every client row I.
# N larger than the profile without --rows is an error unless --cycle (client K -> row K % rows).
#
# Shaping, per client (Mbit = 10^6 bit/s, as in ClientProfile.downloadSeconds):
#   upload   (client -> server) = egress of pollen-vK  inside pollen-cK, rate up_mbps
#   download (server -> client) = egress of pollen-vKp inside pollen-hub, rate down_mbps
# each as `htb` root (one class, rate = ceil) with a `bfifo` leaf (or a `netem` leaf for delay).
# The server link is unshaped unless --server-rate MBIT (then both directions of pollen-vs).
# The rate is the Ethernet-frame rate, as tc counts it: a bulk TCP transfer's payload gets
# 1448/1514 = 95.6% of it. --payload-rates raises every tc rate by 1514/1448 so that TCP payload
# throughput matches the profile number instead (what the simulator's clock assumes).
#
# Burst and queue sizes (measured on veth, 5-100 Mbit/s, see Scripts/netlab-selftest.sh):
#   burst = cburst = max(3028 B, rate x 2 ms): 2 full frames at least, so the class never waits
#     for tokens to send one frame, and 2 ms of rate so the hrtimer/scheduling slack of a loaded
#     VM does not cap throughput (tbf drops frames larger than its burst outright; htb with a
#     1-frame burst lost ~1.5% at 100 Mbit/s); small enough that a short transfer after idle is
#     not sped up by more than ~2 ms worth of data (a 64 KB burst made a 256 KB transfer at
#     5 Mbit/s measure 6.2 instead of 4.8 Mbit/s).
#   queue (bfifo limit) = max(64 KB, rate x (100 ms + 2 x delay)): one RTT's bandwidth-delay
#     product plus 100 ms, so loss-based TCP (cubic) keeps the link full; bounded so that queueing
#     delay stays ~100 ms and a short flow is not stuck behind seconds of backlog.
#   GSO: every veth gets gso_max_segs 1 (iproute2's way of `ethtool -K tso off gso off`), so TCP
#     hands the shaper 1514-byte frames instead of 64 KB super-packets; with GSO on, htb lets a
#     whole 64 KB aggregate through on credit and short transfers measure 10-20% too fast (bulk
#     throughput is the same either way). ethtool is not needed.
#
# Delay (--delay-ms D, one-way, default 0; RTT client<->server = 2 D):
#   netem   if the kernel has sch_netem: netem delay D as the htb leaf on both directions.
#   nfqueue otherwise (e.g. Firecracker kernels without CONFIG_NET_SCH_NETEM): br_netfilter plus
#           iptables NFQUEUE in pollen-hub send each bridged packet of client K (in or out of
#           pollen-vKp) to queue K; a small python3 daemon in pollen-hub (metadata only, no
#           payload copy) gives the verdict D ms later, in arrival order. It adds ~0.5 ms per
#           direction; client<->client traffic gets the sender's delay only. --queue-bypass: if
#           the daemon dies, packets flow undelayed (`status` says whether it runs).
#   --delay-impl forces one of the two. (The nfqueue path is the one measured by the selftest on
#   the Firecracker VM this was written on; the netem path is the textbook htb+netem recipe but
#   was not run there, the kernel having no netem.)
#
# `down` and `up` (which starts with `down`) kill processes still running inside the lab
# namespaces (they would keep the namespace alive), delete the namespaces pollen-hub, pollen-srv,
# pollen-c<digits> (their veths and bridge go with them), any veth/bridge named pollen-* left in
# the root namespace, and the state directory /run/pollen-netlab. Nothing else is touched.
set -euo pipefail

readonly HUB=pollen-hub SRV=pollen-srv BR=pollen-br0
readonly STATE_DIR=/run/pollen-netlab
readonly SERVER_ADDR=10.231.0.1
readonly FRAME=1514 PAYLOAD=1448

die() { echo "netlab: error: $*" >&2; exit 1; }
note() { echo "netlab: $*" >&2; }

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces and tc need CAP_NET_ADMIN): sudo $0 ..."
}

need_iproute() {
  local t
  for t in ip tc; do
    command -v "$t" >/dev/null 2>&1 || die "'$t' not found: apt-get install iproute2"
  done
  ip netns list >/dev/null 2>&1 || die "'ip netns' does not work here (iproute2 too old or no netns support in the kernel)"
}

client_addr() { # K -> 10.231.A.B
  local k=$1
  echo "10.231.$((1 + k / 254)).$((1 + k % 254))"
}

# NAME (srv, server, hub, cK, pollen-srv, pollen-cK) -> namespace name
ns_of() {
  case "$1" in
    srv | server | pollen-srv) echo "$SRV" ;;
    hub | pollen-hub) echo "$HUB" ;;
    c[0-9]* | pollen-c[0-9]*)
      local k=${1#pollen-}
      k=${k#c}
      [[ $k =~ ^[0-9]+$ ]] || die "bad namespace name '$1' (use srv, hub or cK)"
      echo "pollen-c$((10#$k))"
      ;;
    *) die "bad namespace name '$1' (use srv, hub or cK)" ;;
  esac
}

# namespace -> its veth inside it
if_of() {
  case "$1" in
    "$SRV") echo pollen-vs ;;
    pollen-c*) echo "pollen-v${1#pollen-c}" ;;
    *) return 1 ;;
  esac
}

lab_namespaces() { # the lab's namespaces that exist now
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^pollen-(hub|srv|c[0-9]+)$' || true
}

root_lab_links() { # veths and bridges named pollen-* in the root namespace
  local name
  for name in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^pollen-' || true); do
    if ip -d link show dev "$name" 2>/dev/null | grep -qE '^ +(veth|bridge) '; then echo "$name"; fi
  done
}

# ---------------------------------------------------------------------------------------- down

kill_ns_procs() {
  local ns=$1 pids="" i
  pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ') || true
  [ -n "${pids// /}" ] || return 0
  note "stopping processes in $ns: $pids"
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for i in 1 2 3 4 5 6 7 8 9 10; do
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ') || true
    [ -n "${pids// /}" ] || return 0
    [ "$i" -lt 10 ] && sleep 0.2
  done
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
}

teardown() {
  local ns name i
  for ns in $(lab_namespaces); do kill_ns_procs "$ns"; done
  # clients and server first: deleting a veth end deletes its peer in the hub too
  for ns in $(lab_namespaces | sort -r); do
    for i in 1 2 3 4 5; do
      ip netns del "$ns" 2>/dev/null || true
      [ -e "/run/netns/$ns" ] || break
      sleep 0.2
    done
    [ -e "/run/netns/$ns" ] && note "warning: could not delete namespace $ns"
  done
  # a stale /run/netns/pollen-* file of an `ip netns add` interrupted half-way
  for ns in /run/netns/pollen-hub /run/netns/pollen-srv /run/netns/pollen-c*; do
    [ -e "$ns" ] || continue
    name=${ns#/run/netns/}
    [[ $name =~ ^pollen-(hub|srv|c[0-9]+)$ ]] || continue
    ip netns del "$name" 2>/dev/null || rm -f "$ns" 2>/dev/null || true
  done
  # leftovers in the root namespace (this script never creates any, an older or foreign run might)
  for name in $(root_lab_links); do
    note "deleting leftover root-namespace link $name"
    ip link del dev "$name" 2>/dev/null || true
  done
  rm -rf "$STATE_DIR"
}

cmd_down() {
  need_root
  need_iproute
  teardown
  local left
  left=$( { lab_namespaces; root_lab_links; } )
  if [ -n "$left" ]; then
    die "still present after down: $(echo "$left" | tr '\n' ' ')"
  fi
  echo "netlab: down (no pollen- namespaces or links left)"
}

# ------------------------------------------------------------------------------------------ up

is_number() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$|^[.][0-9]+$ ]]; }

# profile -> lines "row down_mbps up_mbps delay_ms|-" (errors go to stderr, exit non-zero)
read_profile() {
  local file=$1
  [ -f "$file" ] || die "profile '$file' does not exist"
  [ -r "$file" ] || die "profile '$file' is not readable"
  awk -F',' '
    function trim(s) { gsub(/^[ \t\r]+|[ \t\r]+$/, "", s); return s }
    function isnum(s) { return s ~ /^[+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?$/ }
    function fail(msg) { printf("%s line %d: %s\n", FILENAME, FNR, msg) > "/dev/stderr"; bad = 1; exit 1 }
    { line = trim($0) }
    line == "" || line ~ /^#/ { next }
    !hdr {
      hdr = 1
      for (i = 1; i <= NF; i++) col[trim($i)] = i
      if (!("down_mbps" in col) || !("up_mbps" in col))
        fail("header must name down_mbps and up_mbps columns (got \"" line "\")")
      ncol = NF
      next
    }
    {
      if (NF != ncol) fail("expected " ncol " fields like the header, got " NF)
      if ("client" in col) {
        c = trim($(col["client"]))
        if (c != (rows + 0) "") fail("client must be " rows " (rows in order), got \"" c "\"")
      }
      d = trim($(col["down_mbps"])); u = trim($(col["up_mbps"]))
      if (!isnum(d) || d + 0 <= 0) fail("down_mbps \"" d "\" is not a positive number")
      if (!isnum(u) || u + 0 <= 0) fail("up_mbps \"" u "\" is not a positive number")
      dl = "-"
      if ("delay_ms" in col) {
        dl = trim($(col["delay_ms"]))
        if (dl == "") dl = "-"
        else if (!isnum(dl)) fail("delay_ms \"" dl "\" is not a non-negative number")
      }
      printf("%d %s %s %s\n", rows, d, u, dl)
      rows++
    }
    END {
      if (bad) exit 1
      if (!hdr) { printf("%s: empty (no header)\n", FILENAME) > "/dev/stderr"; exit 1 }
      if (rows == 0) { printf("%s: header but no rows\n", FILENAME) > "/dev/stderr"; exit 1 }
    }' "$file" || die "bad profile '$file' (see above)"
}

mbit_to_kbit() { # MBIT [scale] -> integer kbit (>= 8)
  awk -v m="$1" -v s="${2:-1}" 'BEGIN { k = int(m * s * 1000 + 0.5); if (k < 8) k = 8; print k }'
}

# shape NS DEV KBIT DELAY_MS USE_NETEM(0|1)
shape() {
  local ns=$1 dev=$2 kbit=$3 delay=$4 netem=$5 burst limit
  burst=$(( kbit / 4 ))                            # rate x 2 ms in bytes: kbit*1000/8*0.002
  [ "$burst" -lt $((2 * FRAME)) ] && burst=$((2 * FRAME))
  limit=$(awk -v k="$kbit" -v d="$delay" 'BEGIN { l = int(k * 1000 / 8 * (0.1 + 2 * d / 1000)); if (l < 65536) l = 65536; print l }')
  tc -n "$ns" qdisc replace dev "$dev" root handle 1: htb default 1
  tc -n "$ns" class add dev "$dev" parent 1: classid 1:1 htb rate "${kbit}kbit" ceil "${kbit}kbit" \
    burst "$burst" cburst "$burst" quantum "$FRAME"
  if [ "$netem" = 1 ] && awk -v d="$delay" 'BEGIN { exit !(d > 0) }'; then
    tc -n "$ns" qdisc add dev "$dev" parent 1:1 handle 10: netem delay "${delay}ms" limit $(( limit * 2 / FRAME + 1000 ))
  else
    tc -n "$ns" qdisc add dev "$dev" parent 1:1 handle 10: bfifo limit "$limit"
  fi
}

ns_setup() { # NS: create, lo up, IPv6 off
  ip netns add "$1"
  ip -n "$1" link set lo up
  # shellcheck disable=SC2016 # $f is expanded by the inner sh
  ip netns exec "$1" sh -c 'for f in /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6; do [ -w "$f" ] && echo 1 >"$f"; done; true'
}

# veth NS IFACE: IFACE in NS, IFACEp on the bridge in the hub
veth() {
  local ns=$1 ifc=$2 addr=$3
  ip -n "$HUB" link add "${ifc}p" type veth peer name "$ifc" netns "$ns"
  ip -n "$HUB" link set dev "${ifc}p" gso_max_segs 1
  ip -n "$ns" link set dev "$ifc" gso_max_segs 1
  ip -n "$HUB" link set dev "${ifc}p" master "$BR" up
  ip -n "$ns" addr add "$addr/16" dev "$ifc"
  ip -n "$ns" link set dev "$ifc" up
}

# The nfqueue delay line: argv QUEUE:DELAY_MS ...; prints "ready" once bound.
read -r -d '' DELAY_PY <<'PY' || true
import collections, os, select, socket, struct, sys, time
SUBSYS = 3 << 8
PACKET, CONFIG, VERDICT_BATCH = SUBSYS | 0, SUBSYS | 2, SUBSYS | 3
REQ, ACK = 1, 4
seq = 0
def attr(t, p):
    n = 4 + len(p)
    return struct.pack("=HH", n, t) + p + b"\0" * (-n % 4)
def msg(mtype, q, attrs, flags=REQ):
    global seq
    seq += 1
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(q)) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), mtype, flags, seq, 0) + body
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)                # SO_RCVBUFFORCE
s.setsockopt(270, 5, 1)                                      # NETLINK_NO_ENOBUFS
s.bind((0, 0))
def request(m):
    s.send(m)
    while True:
        r = s.recv(65536)
        if struct.unpack_from("=H", r, 4)[0] == 2:             # NLMSG_ERROR (0 = ack)
            err = struct.unpack_from("=i", r, 16)[0]
            if err:
                raise OSError(-err, "nfqueue config: " + os.strerror(-err))
            return
queues = {}
for spec in sys.argv[1:]:
    q, d = spec.split(":")
    q = int(q)
    queues[q] = (float(d) / 1000.0, collections.deque())
    request(msg(CONFIG, q, [attr(1, struct.pack("=BBH", 1, 0, 0))], REQ | ACK))  # bind
    request(msg(CONFIG, q, [attr(2, struct.pack(">IB", 0, 1)),                    # copy meta only
                            attr(3, struct.pack(">I", 20000)),                    # queue maxlen
                            attr(4, struct.pack(">I", 5)), attr(5, struct.pack(">I", 5))],  # fail-open|gso
                REQ | ACK))
print("ready", flush=True)
s.setblocking(False)
buf = bytearray(1 << 16)
mono = time.monotonic
while True:
    now = mono()
    wait = 1.0
    for q, (d, dq) in queues.items():
        last = None
        while dq and dq[0][0] <= now:
            last = dq.popleft()[1]
        if last is not None:  # accept every packet of q with id <= last
            s.send(msg(VERDICT_BATCH, q, [attr(2, struct.pack(">II", 1, last))]))
        if dq:
            wait = min(wait, dq[0][0] - now)
    if wait > 0:
        select.select([s], [], [], wait)
    while True:
        try:
            n = s.recv_into(buf)
        except BlockingIOError:
            break
        now = mono()
        off = 0
        while off + 20 <= n:
            ln, t = struct.unpack_from("=IH", buf, off)
            if ln < 16:
                break
            if t == PACKET:
                ent = queues.get(struct.unpack_from(">H", buf, off + 18)[0])
                a = off + 20
                while ent and a + 8 <= off + ln:
                    al, at = struct.unpack_from("=HH", buf, a)
                    if at & 0x7FFF == 1:  # NFQA_PACKET_HDR: packet id first
                        ent[1].append((now + ent[0], struct.unpack_from(">I", buf, a + 4)[0]))
                        break
                    if al < 4:
                        break
                    a += (al + 3) & ~3
            off += (ln + 3) & ~3
PY

up_failed() { # [EXIT_CODE]: on a signal, the code for it; else the failing command's
  local rc=${1:-$?}
  trap - EXIT INT TERM HUP
  [ "$rc" -ne 0 ] || rc=1
  note "up failed (exit $rc); removing the half-built lab"
  teardown >/dev/null 2>&1 || true
  exit "$rc"
}

cmd_up() {
  local clients="" profile="" rows="" cycle=0 server_rate="" delay_ms=0 payload=0 impl=auto
  while [ $# -gt 0 ]; do
    case "$1" in
      --clients) clients=${2:-}; shift 2 || die "--clients needs a value" ;;
      --profile) profile=${2:-}; shift 2 || die "--profile needs a value" ;;
      --rows) rows=${2:-}; shift 2 || die "--rows needs a value" ;;
      --row) rows=${2:-}; shift 2 || die "--row needs a value"
        [[ $rows =~ ^[0-9]+$ ]] || die "--row takes one row number, got '$rows'" ;;
      --cycle) cycle=1; shift ;;
      --server-rate) server_rate=${2:-}; shift 2 || die "--server-rate needs a value" ;;
      --delay-ms) delay_ms=${2:-}; shift 2 || die "--delay-ms needs a value" ;;
      --payload-rates) payload=1; shift ;;
      --delay-impl) impl=${2:-}; shift 2 || die "--delay-impl needs a value" ;;
      -h | --help) usage; exit 0 ;;
      *) die "up: unknown argument '$1' (see $0 help)" ;;
    esac
  done
  need_root
  need_iproute
  if ! [[ $clients =~ ^[0-9]+$ ]] || [ "$clients" -lt 1 ]; then die "--clients N (N >= 1) is required"; fi
  [ "$clients" -le 64516 ] || die "--clients at most 64516 (address plan 10.231.1.1 .. 10.231.254.254)"
  [ -n "$profile" ] || die "--profile FILE.csv is required"
  is_number "$delay_ms" || die "--delay-ms must be a non-negative number of milliseconds, got '$delay_ms'"
  if [ -n "$server_rate" ]; then
    if ! is_number "$server_rate" || ! awk -v r="$server_rate" 'BEGIN { exit !(r > 0) }'; then
      die "--server-rate must be a positive number of Mbit/s, got '$server_rate'"
    fi
  fi
  case "$impl" in auto | netem | nfqueue) ;; *) die "--delay-impl is auto, netem or nfqueue, got '$impl'" ;; esac

  local table nrows
  table=$(read_profile "$profile")
  nrows=$(printf '%s\n' "$table" | wc -l)

  # client K -> profile row
  local -a rowlist=() assign=()
  local k r
  if [ -n "$rows" ]; then
    IFS=',' read -r -a rowlist <<<"$rows"
    [ "${#rowlist[@]}" -ge 1 ] || die "--rows is empty"
    for r in "${rowlist[@]}"; do
      [[ $r =~ ^[0-9]+$ ]] || die "--rows takes row numbers like 0,3,5; got '$r'"
      [ "$r" -lt "$nrows" ] || die "--rows: row $r does not exist ('$profile' has rows 0..$((nrows - 1)))"
    done
    for ((k = 0; k < clients; k++)); do assign[k]=${rowlist[k % ${#rowlist[@]}]}; done
  else
    if [ "$clients" -gt "$nrows" ] && [ "$cycle" = 0 ]; then
      die "--clients $clients but '$profile' has only $nrows rows: pass --cycle (client K uses row K % $nrows) or --rows I,J,... (cycled)"
    fi
    for ((k = 0; k < clients; k++)); do assign[k]=$((k % nrows)); done
  fi

  local -a down=() up=() dly=()
  local row d u dl
  while read -r row d u dl; do
    down[row]=$d; up[row]=$u
    if [ "$dl" = "-" ]; then dly[row]=$delay_ms; else dly[row]=$dl; fi
  done <<<"$table"

  local any_delay=0
  for ((k = 0; k < clients; k++)); do
    awk -v d="${dly[${assign[k]}]}" 'BEGIN { exit !(d > 0) }' && { any_delay=1; break; }
  done

  teardown
  trap up_failed EXIT
  trap 'up_failed 129' HUP
  trap 'up_failed 130' INT
  trap 'up_failed 143' TERM
  mkdir -p "$STATE_DIR"

  ns_setup "$HUB"
  ip -n "$HUB" link add "$BR" type bridge stp_state 0 forward_delay 0
  ip -n "$HUB" link set "$BR" up

  # which delay mechanism
  local use_netem=0 use_nfq=0
  if [ "$any_delay" = 1 ]; then
    local have_netem=0
    if tc -n "$HUB" qdisc add dev lo root handle 1: netem delay 1ms 2>/dev/null; then
      have_netem=1
      tc -n "$HUB" qdisc del dev lo root
    fi
    case "$impl" in
      netem) [ "$have_netem" = 1 ] || die "--delay-impl netem: this kernel has no sch_netem (CONFIG_NET_SCH_NETEM); use --delay-impl nfqueue" ;;
      auto) [ "$have_netem" = 1 ] || impl=nfqueue ;;
    esac
    if [ "$impl" = nfqueue ]; then
      use_nfq=1
      command -v python3 >/dev/null 2>&1 || die "delay without sch_netem needs python3 (apt-get install python3)"
      command -v iptables >/dev/null 2>&1 || die "delay without sch_netem needs iptables: apt-get install iptables"
      [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] ||
        die "delay without sch_netem needs br_netfilter (modprobe br_netfilter)"
    else
      use_netem=1
    fi
  fi

  ns_setup "$SRV"
  veth "$SRV" pollen-vs "$SERVER_ADDR"
  local scale=1 skbit=""
  [ "$payload" = 1 ] && scale=$(awk -v f="$FRAME" -v p="$PAYLOAD" 'BEGIN { printf "%.6f", f / p }')
  if [ -n "$server_rate" ]; then
    skbit=$(mbit_to_kbit "$server_rate" "$scale")
    shape "$SRV" pollen-vs "$skbit" 0 0
    shape "$HUB" pollen-vsp "$skbit" 0 0
  fi

  local ns ifc addr dkbit ukbit delay specs=""
  {
    echo "# name namespace iface address row down_mbps up_mbps down_kbit up_kbit delay_ms"
    echo "srv $SRV pollen-vs $SERVER_ADDR - ${server_rate:--} ${server_rate:--} ${skbit:--} ${skbit:--} 0"
  } >"$STATE_DIR/lab"
  for ((k = 0; k < clients; k++)); do
    ns=pollen-c$k ifc=pollen-v$k addr=$(client_addr "$k") row=${assign[k]}
    d=${down[row]} u=${up[row]} delay=${dly[row]}
    dkbit=$(mbit_to_kbit "$d" "$scale")
    ukbit=$(mbit_to_kbit "$u" "$scale")
    ns_setup "$ns"
    veth "$ns" "$ifc" "$addr"
    shape "$ns" "$ifc" "$ukbit" "$delay" "$use_netem"          # upload
    shape "$HUB" "${ifc}p" "$dkbit" "$delay" "$use_netem"      # download
    if [ "$use_nfq" = 1 ] && awk -v x="$delay" 'BEGIN { exit !(x > 0) }'; then
      specs+=" $k:$delay"
    fi
    echo "c$k $ns $ifc $addr $row $d $u $dkbit $ukbit $delay" >>"$STATE_DIR/lab"
  done

  if [ "$use_nfq" = 1 ]; then
    ip netns exec "$HUB" sh -c 'echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables'
    for spec in $specs; do
      k=${spec%%:*}
      ip netns exec "$HUB" iptables -w -A FORWARD -m physdev --physdev-in "pollen-v${k}p" \
        -j NFQUEUE --queue-num "$k" --queue-bypass
      ip netns exec "$HUB" iptables -w -A FORWARD -m physdev --physdev-out "pollen-v${k}p" \
        -j NFQUEUE --queue-num "$k" --queue-bypass
    done
    # shellcheck disable=SC2086
    ip netns exec "$HUB" setsid python3 -c "$DELAY_PY" $specs \
      </dev/null >"$STATE_DIR/delay.log" 2>&1 &
    echo $! >"$STATE_DIR/delay.pid"
    local i
    for i in $(seq 1 50); do
      grep -q '^ready' "$STATE_DIR/delay.log" 2>/dev/null && break
      kill -0 "$(cat "$STATE_DIR/delay.pid")" 2>/dev/null || break
      sleep 0.1
    done
    grep -q '^ready' "$STATE_DIR/delay.log" ||
      die "nfqueue delay line did not start: $(tr '\n' ' ' <"$STATE_DIR/delay.log")"
  fi
  local mech=none
  [ "$use_netem" = 1 ] && mech=netem
  [ "$use_nfq" = 1 ] && mech=nfqueue
  echo "delay_impl $mech" >"$STATE_DIR/impl"
  trap - EXIT INT TERM HUP

  echo "netlab: up: $clients clients, server $SRV $SERVER_ADDR${server_rate:+ (${server_rate} Mbit/s)}, delay via $mech"
  awk 'NR > 1 && $1 != "srv" { printf("  %-6s %-12s row %-4s down %8.3f Mbit/s  up %8.3f Mbit/s  delay %s ms\n", $1, $4, $5, $8 / 1000, $9 / 1000, $10) }' "$STATE_DIR/lab"
}

# ------------------------------------------------------------------------- exec / addr / status

cmd_exec() {
  [ $# -ge 1 ] || die "usage: $0 exec NAME -- CMD..."
  local ns
  ns=$(ns_of "$1")
  shift
  [ "${1:-}" = "--" ] && shift
  [ $# -ge 1 ] || die "usage: $0 exec NAME -- CMD..."
  need_root
  need_iproute
  [ -e "/run/netns/$ns" ] || die "namespace $ns does not exist (is the lab up?)"
  exec ip netns exec "$ns" "$@"
}

cmd_addr() {
  [ $# -eq 1 ] || die "usage: $0 addr NAME   (srv or cK)"
  local ns ifc a
  ns=$(ns_of "$1")
  ifc=$(if_of "$ns") || die "$ns has no address (only srv and cK have)"
  need_iproute
  [ -e "/run/netns/$ns" ] || die "namespace $ns does not exist (is the lab up?)"
  a=$(ip -n "$ns" -4 -o addr show dev "$ifc" 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n1)
  [ -n "$a" ] || die "no IPv4 address on $ifc in $ns"
  echo "$a"
}

cmd_status() {
  need_root
  need_iproute
  local nss ns ifc
  nss=$(lab_namespaces)
  if [ -z "$nss" ]; then
    echo "netlab: no lab (no pollen-hub/pollen-srv/pollen-c* namespaces)"
  else
    echo "namespaces: $(echo "$nss" | tr '\n' ' ')"
    [ -f "$STATE_DIR/impl" ] && cat "$STATE_DIR/impl"
    if [ -f "$STATE_DIR/delay.pid" ]; then
      if kill -0 "$(cat "$STATE_DIR/delay.pid")" 2>/dev/null; then
        echo "nfqueue delay line: running (pid $(cat "$STATE_DIR/delay.pid"))"
      else
        echo "nfqueue delay line: NOT RUNNING (packets pass undelayed): $(tr '\n' ' ' <"$STATE_DIR/delay.log" 2>/dev/null)"
      fi
    fi
    for ns in $(echo "$nss" | sort -V); do
      echo "== $ns"
      ip -n "$ns" -br addr show | sed 's/^/   /'
      for ifc in $(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^pollen-v' || true); do
        if tc -n "$ns" class show dev "$ifc" | grep -q .; then
          tc -n "$ns" class show dev "$ifc" | sed "s/^/   $ifc egress: /"
          tc -n "$ns" qdisc show dev "$ifc" | grep -v ' htb ' | sed "s/^/   $ifc egress: /"
        fi
      done
      if [ "$ns" = "$HUB" ] && ip netns exec "$HUB" iptables -w -S FORWARD 2>/dev/null | grep -q NFQUEUE; then
        ip netns exec "$HUB" iptables -w -S FORWARD | grep NFQUEUE | sed 's/^/   iptables /'
      fi
    done
  fi
  local root
  root=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^pollen-' || true)
  [ -z "$root" ] || echo "root namespace links named pollen-*: $(echo "$root" | tr '\n' ' ')"
}

main() {
  local cmd=${1:-help}
  [ $# -gt 0 ] && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    exec) cmd_exec "$@" ;;
    addr) cmd_addr "$@" ;;
    status) cmd_status "$@" ;;
    help | -h | --help) usage ;;
    *) die "unknown command '$cmd' (up, down, exec, addr, status, help)" ;;
  esac
}

main "$@"
