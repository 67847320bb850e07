# Shared by the listen benchmarks (sourced): a free loopback port, waiting until
# a server listens on one, and building the wolfSSL client and server loops.
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'; }
wait_port() { for _ in $(seq 1 250); do ss -Hltn "sport = :$1" | grep -q LISTEN && return 0; sleep 0.02; done; return 1; }
# build_wolf_tools SRC_DIR OUT_DIR: OUT_DIR/wolf_hs and OUT_DIR/wolf_srv
build_wolf_tools() {
    gcc -O2 -w -o "$2/wolf_hs" "$1/wolf_hs.c" -lwolfssl
    gcc -O2 -w -o "$2/wolf_srv" "$1/wolf_srv.c" -lwolfssl
}
