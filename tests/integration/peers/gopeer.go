// gopeer: a small Go TLS peer for tlsprobe's integration tests (standard
// library only; built with GO111MODULE=off go build). It makes the classic
// mistakes on purpose and prints what Go prints, so tests can feed Go's own
// texts to `tlsprobe explain`.
//
//	gopeer server mtls PORT CERT KEY CLIENTCA SECONDS   HTTPS, RequireAndVerifyClientCert
//	gopeer server badkey PORT CERT WRONGKEY SECONDS     HTTPS with a hand-built tls.Certificate whose key does not match
//	gopeer server tls13only PORT CERT KEY SECONDS       HTTPS with MinVersion TLS 1.3
//	gopeer server plain PORT SECONDS                    plain HTTP
//	gopeer client URL CAFILE [CERT KEY]                 one GET; prints the error (or "ok") on stderr
//	gopeer badclient URL CAFILE CERT WRONGKEY           the same with a hand-built client certificate whose key does not match
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"
)

func die(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func derBlocks(path string) [][]byte {
	data, err := os.ReadFile(path)
	if err != nil {
		die(err)
	}
	var out [][]byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		if b.Type == "CERTIFICATE" {
			out = append(out, b.Bytes)
		}
	}
}

func pool(path string) *x509.CertPool {
	data, err := os.ReadFile(path)
	if err != nil {
		die(err)
	}
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(data)
	return p
}

func serve(srv *http.Server, secs string, tlsOn bool) {
	n, _ := strconv.Atoi(secs)
	go func() {
		time.Sleep(time.Duration(n) * time.Second)
		os.Exit(0)
	}()
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") })
	var err error
	if tlsOn {
		err = srv.ListenAndServeTLS("", "")
	} else {
		err = srv.ListenAndServe()
	}
	die(err)
}

// A private key from a PEM file, without checking it against anything.
func loadKey(path string) interface{} {
	keyPEM, err := os.ReadFile(path)
	if err != nil {
		die(err)
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		die(fmt.Errorf("no key in %s", path))
	}
	var key interface{}
	if key, err = x509.ParsePKCS8PrivateKey(kb.Bytes); err != nil {
		if key, err = x509.ParseECPrivateKey(kb.Bytes); err != nil {
			die(err)
		}
	}
	return key
}

func main() {
	a := os.Args
	if len(a) < 3 {
		die(fmt.Errorf("usage: gopeer server|client ..."))
	}
	switch {
	case a[1] == "server" && a[2] == "mtls" && len(a) == 8:
		cert, err := tls.LoadX509KeyPair(a[4], a[5])
		if err != nil {
			die(err)
		}
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool(a[6]),
			ClientAuth: tls.RequireAndVerifyClientCert}
		serve(&http.Server{Addr: "127.0.0.1:" + a[3], TLSConfig: cfg}, a[7], true)
	case a[1] == "server" && a[2] == "badkey" && len(a) == 7:
		keyPEM, err := os.ReadFile(a[5])
		if err != nil {
			die(err)
		}
		kb, _ := pem.Decode(keyPEM)
		if kb == nil {
			die(fmt.Errorf("no key in %s", a[5]))
		}
		var key interface{}
		if key, err = x509.ParsePKCS8PrivateKey(kb.Bytes); err != nil {
			if key, err = x509.ParseECPrivateKey(kb.Bytes); err != nil {
				die(err)
			}
		}
		// Built by hand: tls.X509KeyPair would refuse the pair.
		cert := tls.Certificate{Certificate: derBlocks(a[4]), PrivateKey: key}
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
		serve(&http.Server{Addr: "127.0.0.1:" + a[3], TLSConfig: cfg}, a[6], true)
	case a[1] == "server" && a[2] == "tls13only" && len(a) == 7:
		cert, err := tls.LoadX509KeyPair(a[4], a[5])
		if err != nil {
			die(err)
		}
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
		serve(&http.Server{Addr: "127.0.0.1:" + a[3], TLSConfig: cfg}, a[6], true)
	case a[1] == "server" && a[2] == "plain" && len(a) == 5:
		serve(&http.Server{Addr: "127.0.0.1:" + a[3]}, a[4], false)
	case a[1] == "client" && (len(a) == 4 || len(a) == 6):
		cfg := &tls.Config{}
		if a[3] != "-" {
			cfg.RootCAs = pool(a[3])
		}
		if len(a) == 6 {
			cert, err := tls.LoadX509KeyPair(a[4], a[5])
			if err != nil {
				die(err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
		resp, err := c.Get(a[2])
		if err != nil {
			die(err)
		}
		resp.Body.Close()
		fmt.Fprintln(os.Stderr, "ok")
	case a[1] == "badclient" && len(a) == 6:
		cert := tls.Certificate{Certificate: derBlocks(a[4]), PrivateKey: loadKey(a[5])}
		cfg := &tls.Config{RootCAs: pool(a[3]), Certificates: []tls.Certificate{cert}}
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
		resp, err := c.Get(a[2])
		if err != nil {
			die(err)
		}
		resp.Body.Close()
		fmt.Fprintln(os.Stderr, "ok")
	default:
		die(fmt.Errorf("usage: gopeer server|client ..."))
	}
}
