# Shared by the Benchmarks/compare_*.sh scripts (sourced; they set PY to a Python with flwr).

# free_port: a TCP port free on 127.0.0.1 now.
free_port() { "$PY" Tests/InteropTests/python/free_port.py; }

# wait_port PORT SECONDS: returns 0 once 127.0.0.1:PORT accepts a connection, 1 after SECONDS.
wait_port() {
  "$PY" - "$1" "$2" <<'PYEOF'
import socket, sys, time
port, deadline = int(sys.argv[1]), time.time() + float(sys.argv[2])
while time.time() < deadline:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close(); sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PYEOF
}
