#!/usr/bin/env bash
# Self-check of Scripts/netlab.sh (about 15 s): brings up a lab of 2 clients at two speeds
# (c0: down 50 / up 20 Mbit/s, c1: down 8 / up 5 Mbit/s), runs a python3 TCP sink/source in
# pollen-srv and measures, per client, the TCP payload throughput of a bulk download and upload
# (each ~2.5 s long; the two clients at once, downloads first, then uploads). Then the same lab
# with --delay-ms 20: the UDP round-trip time (expect 40 ms) and c0's download under that RTT.
# Finally `netlab.sh down`, and checks that no pollen-* namespace, root-namespace link or
# /run/pollen-netlab is left behind.
#
# Fails (exit 1) when a throughput is off the configured rate by more than 20% (TCP payload is
# 95.6% of the frame rate tc shapes; see netlab.sh), the RTT is off 2 x delay by more than 20%,
# or anything is left. Exits 77 (skipped) when not root, iproute2 or python3 is missing, or
# network namespaces do not work here. The delay part is reported as skipped, not failed, when
# the kernel has no sch_netem and iptables is missing (netlab's nfqueue fallback needs it:
# apt-get install iptables). Replaces a lab that is up (the lab is one per machine: do not run
# two of these at once). Last line: "netlab-selftest: N passed, M failed".
#
# Usage: Scripts/netlab-selftest.sh [--tolerance PCT]   (default 20)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
netlab="$here/netlab.sh"
tol=20
while [ $# -gt 0 ]; do
  case "$1" in
    --tolerance) tol=${2:?--tolerance PCT}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "netlab-selftest: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

skip() { echo "netlab-selftest: SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
if ! command -v ip >/dev/null 2>&1 || ! command -v tc >/dev/null 2>&1; then
  skip "needs iproute2 (apt-get install iproute2)"
fi
command -v python3 >/dev/null 2>&1 || skip "needs python3"
if ! ip netns add pollen-c0 2>/dev/null; then
  "$netlab" down >/dev/null 2>&1 || true
  ip netns add pollen-c0 2>/dev/null || skip "cannot create network namespaces here"
fi
ip netns del pollen-c0

work=$(mktemp -d /tmp/pollen-netlab-selftest.XXXXXX)
cleanup() {
  "$netlab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0 failed=0
check() { # NAME OK(0|1) DETAIL
  if [ "$2" = 1 ]; then
    passed=$((passed + 1)); printf '  ok    %-28s %s\n' "$1" "$3"
  else
    failed=$((failed + 1)); printf '  FAIL  %-28s %s\n' "$1" "$3"
  fi
}

# TCP sink/source + UDP echo (server), and the measuring client.
read -r -d '' MEASURE_PY <<'PY' || true
import socket, struct, sys, threading, time
def serve(port):
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port)); ls.listen(64)
    us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); us.bind(("0.0.0.0", port))
    def echo():
        while True:
            d, a = us.recvfrom(2048); us.sendto(d, a)
    threading.Thread(target=echo, daemon=True).start()
    def handle(c):
        with c:
            hdr = b""
            while len(hdr) < 9:
                x = c.recv(9 - len(hdr))
                if not x: return
                hdr += x
            n = struct.unpack(">Q", hdr[1:])[0]
            if hdr[:1] == b"U":
                got, buf = 0, bytearray(1 << 16)
                while True:
                    k = c.recv_into(buf)
                    if not k: break
                    got += k
                c.sendall(struct.pack(">Q", got))
            else:
                chunk = b"\0" * (1 << 16)
                while n > 0:
                    n -= c.send(chunk[:min(n, len(chunk))])
    print("listening", flush=True)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()
def connect(host, port):
    for _ in range(50):
        try:
            return socket.create_connection((host, port), timeout=30)
        except OSError:
            time.sleep(0.1)
    raise SystemExit("cannot connect to %s:%d" % (host, port))
def xfer(host, port, op, n):  # prints Mbit/s of TCP payload, request to last byte
    c = connect(host, port); t0 = time.monotonic()
    c.sendall(op.encode() + struct.pack(">Q", n))
    if op == "U":
        chunk, left = b"\0" * (1 << 16), n
        while left > 0:
            left -= c.send(chunk[:min(left, len(chunk))])
        c.shutdown(socket.SHUT_WR)
        r = b""
        while len(r) < 8:
            x = c.recv(8 - len(r))
            if not x: raise SystemExit("short reply")
            r += x
        got = struct.unpack(">Q", r)[0]
    else:
        got, buf = 0, bytearray(1 << 16)
        while True:
            k = c.recv_into(buf)
            if not k: break
            got += k
    dt = time.monotonic() - t0
    if got != n: raise SystemExit("moved %d of %d bytes" % (got, n))
    print("%.3f %.3f" % (n * 8 / dt / 1e6, dt))
def rtt(host, port, count):  # prints the median UDP round trip in ms
    connect(host, port).close()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2); out = []
    for i in range(count):
        t0 = time.monotonic(); s.sendto(struct.pack(">I", i), (host, port))
        while struct.unpack(">I", s.recvfrom(64)[0])[0] != i: pass
        out.append((time.monotonic() - t0) * 1000); time.sleep(0.02)
    out.sort(); print("%.3f" % out[len(out) // 2])
m = sys.argv[1]
if m == "serve": serve(int(sys.argv[2]))
elif m == "rtt": rtt(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
else: xfer(sys.argv[2], int(sys.argv[3]), m, int(sys.argv[4]))
PY

port=5201
profile="$work/profile.csv"
cat >"$profile" <<'CSV'
client,examples_per_s,down_mbps,up_mbps,availability
0,100.0,50,20,1.0
1,100.0,8,5,1.0
CSV
down_mbps=(50 8) up_mbps=(20 5)

start_server() {
  "$netlab" exec srv -- python3 -c "$MEASURE_PY" serve "$port" >"$work/server.log" 2>&1 &
  local _
  for _ in $(seq 1 50); do
    grep -q listening "$work/server.log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "netlab-selftest: the measuring server did not start: $(cat "$work/server.log")" >&2
  return 1
}

within() { # MEASURED EXPECTED -> exit 0 if |m/e - 1| <= tol%
  awk -v m="$1" -v e="$2" -v t="$tol" 'BEGIN { r = m / e - 1; if (r < 0) r = -r; exit !(r <= t / 100) }'
}

# measure OP(U|D) CLIENT MBIT SECONDS -> "mbit seconds" in $work/OP-CLIENT
measure() {
  local bytes
  bytes=$(awk -v r="$3" -v s="$4" 'BEGIN { printf "%d", r * 1e6 / 8 * s }')
  "$netlab" exec "c$2" -- python3 -c "$MEASURE_PY" "$1" "$srv" "$port" "$bytes" >"$work/$1-$2" 2>&1
}

report_rate() { # NAME FILE CONFIGURED_MBIT
  local got
  got=$(awk 'NR == 1 { print $1 }' "$2" 2>/dev/null || true)
  if [ -z "$got" ] || ! [[ $got =~ ^[0-9.]+$ ]]; then
    check "$1" 0 "no measurement: $(tr '\n' ' ' <"$2" 2>/dev/null)"
    return
  fi
  local detail
  detail=$(awk -v g="$got" -v c="$3" -v f="$(awk '{print $2}' "$2")" \
    'BEGIN { printf "configured %6.2f Mbit/s  measured %6.2f Mbit/s (%5.1f%%, %.2f s)", c, g, 100 * g / c, f }')
  if within "$got" "$3"; then check "$1" 1 "$detail"; else check "$1" 0 "$detail"; fi
}

t_start=$(date +%s)
echo "netlab-selftest: throughput, no delay"
"$netlab" up --clients 2 --profile "$profile" >"$work/up.log" 2>&1 || { cat "$work/up.log"; exit 1; }
srv=$("$netlab" addr srv)
start_server
pids=()
for k in 0 1; do measure D "$k" "${down_mbps[k]}" 2.5 & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || true; done
pids=()
for k in 0 1; do measure U "$k" "${up_mbps[k]}" 2.5 & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || true; done
for k in 0 1; do
  report_rate "c$k download" "$work/D-$k" "${down_mbps[k]}"
  report_rate "c$k upload" "$work/U-$k" "${up_mbps[k]}"
done

echo "netlab-selftest: --delay-ms 20"
if "$netlab" up --clients 2 --profile "$profile" --delay-ms 20 >"$work/up.log" 2>&1; then
  impl=$(awk '{print $2}' /run/pollen-netlab/impl 2>/dev/null || echo '?')
  start_server
  for k in 0 1; do
    r=$("$netlab" exec "c$k" -- python3 -c "$MEASURE_PY" rtt "$srv" "$port" 10 2>&1 || true)
    if [[ $r =~ ^[0-9.]+$ ]] && within "$r" 40; then
      check "c$k rtt ($impl)" 1 "configured 40.00 ms  measured ${r} ms (median of 10)"
    else
      check "c$k rtt ($impl)" 0 "configured 40.00 ms  measured ${r} ms"
    fi
  done
  measure D 0 "${down_mbps[0]}" 3 || true
  report_rate "c0 download, 40 ms RTT" "$work/D-0" "${down_mbps[0]}"
elif grep -q 'delay without sch_netem needs' "$work/up.log"; then
  echo "  skip  delay: $(grep -o 'delay without sch_netem needs.*' "$work/up.log")"
else
  cat "$work/up.log"
  check "up --delay-ms 20" 0 "failed"
fi

"$netlab" down >"$work/down.log" 2>&1 || true
left=$( {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^pollen-' || true
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep -E '^pollen-' || true
  [ -e /run/pollen-netlab ] && echo /run/pollen-netlab
  true
} | tr '\n' ' ')
if [ -z "${left// /}" ]; then
  check "down leaves nothing" 1 "no pollen-* namespace or link, no /run/pollen-netlab"
else
  check "down leaves nothing" 0 "left: $left"
fi
echo "netlab-selftest: took $(($(date +%s) - t_start)) s"
echo "netlab-selftest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
