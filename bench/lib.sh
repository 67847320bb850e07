# Shared by the listen benchmarks (sourced): a free loopback port, and waiting
# until a server listens on one.
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'; }
wait_port() { for _ in $(seq 1 250); do ss -Hltn "sport = :$1" | grep -q LISTEN && return 0; sleep 0.02; done; return 1; }
