// The well-behaved half of bench/listen-hostile.sh (GOOD=go), in Go with the
// standard library only: the same load as `hostile_load.py --good-only`, at a
// fraction of its CPU. python asyncio with its ssl module took ~19 % of the
// core it shared with listen (perf sched, 2026-12-07) and its event loop,
// slowed by listen's work on that core, was part of the latency it measured.
//
//	goodclient --port P --ca ROOT.pem [--clients N] [--duration SEC]
//	           [--think SEC] [--ramp SEC] [--hs-timeout SEC] [--log FILE]
//
// N slots run concurrently for --duration seconds, each in a loop: TCP connect,
// a TLS handshake (server name server.test, verified against --ca), "GET /
// HTTP/1.0", read the answer to EOF, close, then wait --think seconds
// (randomised +-50 %). Every attempt is one JSON line in --log, as
// hostile_load.py writes it: {"kind": "good", "port" (our local port), "t0",
// "t1", "ok", "hs_ms" (TCP connect done to handshake done), "err"}; the end is
// a summary line on stdout {"summary": {...}} with the same keys.
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand"
	"net"
	"os"
	"sort"
	"sync"
	"time"
)

type entry struct {
	Kind string   `json:"kind"`
	Port *int     `json:"port"`
	T0   float64  `json:"t0"`
	T1   float64  `json:"t1"`
	OK   bool     `json:"ok"`
	HsMs *float64 `json:"hs_ms"`
	Err  *string  `json:"err"`
}

type stats struct {
	mu  sync.Mutex
	log *bufio.Writer
	n   int
	ok  int
	hs  []float64
}

func unix(t time.Time) float64 { return math.Round(float64(t.UnixNano())/1e6) / 1e3 }

func (s *stats) add(port int, t0 time.Time, ok bool, hs float64, err string) {
	e := entry{Kind: "good", T0: unix(t0), T1: unix(time.Now()), OK: ok}
	if port > 0 {
		e.Port = &port
	}
	if hs >= 0 {
		h := math.Round(hs*100) / 100
		e.HsMs = &h
	}
	if err != "" {
		if len(err) > 120 {
			err = err[:120]
		}
		e.Err = &err
	}
	line, _ := json.Marshal(e)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if ok {
		s.ok++
	}
	if hs >= 0 {
		s.hs = append(s.hs, hs)
	}
	if s.log != nil {
		s.log.Write(line)
		s.log.WriteByte('\n')
	}
}

func attempt(addr string, cfg *tls.Config, hsTimeout time.Duration, st *stats) {
	t0 := time.Now()
	c, err := net.DialTimeout("tcp", addr, hsTimeout)
	if err != nil {
		st.add(0, t0, false, -1, err.Error())
		return
	}
	defer c.Close()
	port := c.LocalAddr().(*net.TCPAddr).Port
	m0 := time.Now()
	tc := tls.Client(c, cfg)
	c.SetDeadline(time.Now().Add(hsTimeout))
	if err := tc.Handshake(); err != nil {
		st.add(port, t0, false, -1, err.Error())
		return
	}
	hs := float64(time.Since(m0).Nanoseconds()) / 1e6
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := tc.Write([]byte("GET / HTTP/1.0\r\nHost: server.test\r\n\r\n")); err != nil {
		st.add(port, t0, false, hs, "write: "+err.Error())
		return
	}
	data, _ := io.ReadAll(tc) // to EOF; an error after the answer changes nothing
	if !bytes.HasPrefix(data, []byte("HTTP/1.1 200")) {
		n := len(data)
		if n > 40 {
			n = 40
		}
		st.add(port, t0, false, hs, fmt.Sprintf("reply %q", data[:n]))
		return
	}
	st.add(port, t0, true, hs, "")
}

func main() {
	port := flag.Int("port", 0, "listen's port on 127.0.0.1")
	ca := flag.String("ca", "", "the root that signed listen's certificate (PEM)")
	clients := flag.Int("clients", 500, "concurrent slots")
	duration := flag.Float64("duration", 600, "seconds")
	think := flag.Float64("think", 1, "seconds between a slot's connections (+-50 %)")
	ramp := flag.Float64("ramp", 5, "slots start within min(5, ramp) seconds")
	hsTimeout := flag.Float64("hs-timeout", 30, "seconds for connect and handshake")
	logPath := flag.String("log", "", "one JSON line per attempt")
	flag.Parse()
	if *port <= 0 || *ca == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: goodclient --port P --ca ROOT.pem [options]")
		os.Exit(2)
	}
	pem, err := os.ReadFile(*ca)
	if err != nil {
		fmt.Fprintln(os.Stderr, "goodclient:", err)
		os.Exit(2)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		fmt.Fprintln(os.Stderr, "goodclient: no certificate in", *ca)
		os.Exit(2)
	}
	// a fresh full handshake every time, as python's ssl does without a session
	cfg := &tls.Config{RootCAs: pool, ServerName: "server.test", ClientSessionCache: nil}
	st := &stats{}
	if *logPath != "" {
		f, err := os.Create(*logPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goodclient:", err)
			os.Exit(2)
		}
		defer f.Close()
		st.log = bufio.NewWriter(f)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", *port)
	start := time.Now()
	deadline := start.Add(time.Duration(*duration * float64(time.Second)))
	hsT := time.Duration(*hsTimeout * float64(time.Second))
	var wg sync.WaitGroup
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			r := rand.New(rand.NewSource(seed))
			time.Sleep(time.Duration(r.Float64() * math.Min(5, *ramp) * float64(time.Second)))
			for time.Now().Before(deadline) {
				attempt(addr, cfg, hsT, st)
				time.Sleep(time.Duration(*think * (0.5 + r.Float64()) * float64(time.Second)))
			}
		}(int64(i) + start.UnixNano())
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	unfinished := 0
	select {
	case <-done:
	case <-time.After(time.Until(deadline) + 45*time.Second):
		unfinished = 1 // some slot is stuck; its attempt is not in the log
	}
	st.mu.Lock()
	if st.log != nil {
		st.log.Flush()
	}
	hs := append([]float64(nil), st.hs...)
	n, ok := st.n, st.ok
	st.mu.Unlock()
	sort.Float64s(hs)
	pct := func(p float64) interface{} {
		if len(hs) == 0 {
			return nil
		}
		i := int(float64(len(hs)) * p)
		if i > len(hs)-1 {
			i = len(hs) - 1
		}
		return math.Round(hs[i]*100) / 100
	}
	var max interface{}
	if len(hs) > 0 {
		max = hs[len(hs)-1]
	}
	attempts := map[string]int{}
	oks := map[string]int{}
	if n > 0 {
		attempts["good"] = n
	}
	if ok > 0 {
		oks["good"] = ok
	}
	out, _ := json.Marshal(map[string]interface{}{"summary": map[string]interface{}{
		"clients": *clients, "duration_s": math.Round(time.Since(start).Seconds()*10) / 10,
		"attempts": attempts, "ok": oks,
		"good_hs_ms": map[string]interface{}{"n": len(hs), "p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "max": max},
		"unfinished": unfinished}})
	fmt.Println(string(out))
}
