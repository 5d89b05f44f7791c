package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hogkit/posthogusers/posthogtest"
	"go.uber.org/goleak"
)

// asCommand is the environment variable that makes the test binary run the
// command instead of the tests, so that a test can start it as a process
// without building it.
const asCommand = "POSTHOGFAKE_TEST_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(asCommand) == "1" {
		main()
		return
	}
	goleak.VerifyTestMain(m)
}

// outputWait bounds every wait for the command: it only turns a hang into
// a failure.
const outputWait = time.Minute

// readEndpoint reads what the command prints on r, in either form, and
// returns it once the URL and both keys are in.
func readEndpoint(r io.Reader, asJSON bool) (endpoint, error) {
	sc := bufio.NewScanner(r)
	var ep endpoint
	for sc.Scan() {
		line := sc.Text()
		if asJSON {
			err := json.Unmarshal([]byte(line), &ep)
			return ep, err
		}
		name, value, _ := strings.Cut(line, "=")
		switch name {
		case "POSTHOG_URL":
			ep.URL = value
		case "POSTHOG_STAFF_KEY":
			ep.StaffKey = value
		case "POSTHOG_READ_KEY":
			ep.ReadKey = value
		}
		if ep.URL != "" && ep.StaffKey != "" && ep.ReadKey != "" {
			return ep, nil
		}
	}
	return ep, errors.Join(errors.New("the output ended before the URL and keys"), sc.Err())
}

// awaitEndpoint waits, at most outputWait, for readEndpoint.
func awaitEndpoint(t *testing.T, r io.Reader, asJSON bool) endpoint {
	t.Helper()
	type result struct {
		ep  endpoint
		err error
	}
	got := make(chan result, 1)
	go func() {
		ep, err := readEndpoint(r, asJSON)
		got <- result{ep, err}
		_, _ = io.Copy(io.Discard, r) // never block the command's writes
	}()
	select {
	case res := <-got:
		if res.err != nil {
			t.Fatalf("reading the URL and keys: %v", res.err)
		}
		if !strings.HasPrefix(res.ep.URL, "http://127.0.0.1:") || !strings.HasPrefix(res.ep.StaffKey, "phx_") ||
			!strings.HasPrefix(res.ep.ReadKey, "phx_") || res.ep.StaffKey == res.ep.ReadKey {
			t.Fatalf("printed %+v; want a loopback URL and two phx_ keys", res.ep)
		}
		return res.ep
	case <-time.After(outputWait):
		t.Fatalf("no URL and keys printed within %v", outputWait)
	}
	return endpoint{}
}

// client is a plain net/http client for the fake, closed with the test.
func client(t *testing.T) *http.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: outputWait}
}

// answer is an answer of the fake, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
	err    error // of the round trip or of reading the body
}

// send sends one request with a key and reads the answer.
func send(ctx context.Context, hc *http.Client, method, url, key, body string) answer {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

// listCount lists two users with key and returns PostHog's count.
func listCount(t *testing.T, hc *http.Client, ep endpoint, key string) int {
	t.Helper()
	a := send(t.Context(), hc, "GET", ep.URL+"/api/users/?limit=2", key, "")
	if a.err != nil || a.status != http.StatusOK {
		t.Fatalf("listing: %d %s %v", a.status, a.body, a.err)
	}
	var page struct {
		Count   int               `json:"count"`
		Next    *string           `json:"next"`
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(a.body, &page); err != nil {
		t.Fatalf("listing: %v in %s", err, a.body)
	}
	if len(page.Results) != 2 || page.Next == nil || !strings.HasPrefix(*page.Next, ep.URL+"/api/users/?") {
		t.Errorf("listing: %d results, next %v; want 2 and a next link on %s", len(page.Results), page.Next, ep.URL)
	}
	return page.Count
}

func TestCommand_asProcess(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("a process cannot be sent an interrupt on Windows")
	}
	for _, tt := range []struct {
		name   string
		args   []string
		users  int
		json   bool
		signal os.Signal
	}{
		{"lines, SIGINT", []string{"-users", "1000"}, 1000, false, os.Interrupt},
		{"json, SIGTERM", []string{"-json", "-users", "3"}, 3, true, syscall.SIGTERM},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], tt.args...)
			cmd.Env = append(os.Environ(), asCommand+"=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			stopped := false
			t.Cleanup(func() {
				if !stopped {
					_ = cmd.Process.Kill()
					<-exited
				}
			})

			ep := awaitEndpoint(t, stdout, tt.json)
			hc := client(t)
			// Ada, the staff user of both keys, and the seeded users.
			if got := listCount(t, hc, ep, ep.StaffKey); got != tt.users+1 {
				t.Errorf("count with the staff key: %d; want %d", got, tt.users+1)
			}
			if got := listCount(t, hc, ep, ep.ReadKey); got != tt.users+1 {
				t.Errorf("count with the read key: %d; want %d", got, tt.users+1)
			}
			if a := send(t.Context(), hc, "PATCH", ep.URL+"/api/users/@me/", ep.ReadKey, `{"first_name":"Augusta"}`); a.status != http.StatusForbidden {
				t.Errorf("PATCH with the read key: %d %s; want 403", a.status, a.body)
			}
			if a := send(t.Context(), hc, "PATCH", ep.URL+"/api/users/@me/", ep.StaffKey, `{"first_name":"Augusta"}`); a.status != http.StatusOK {
				t.Errorf("PATCH with the staff key: %d %s; want 200", a.status, a.body)
			}
			hc.CloseIdleConnections()

			if err := cmd.Process.Signal(tt.signal); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				stopped = true
				if err != nil {
					t.Errorf("exit: %v; want status 0\n%s", err, stderr.String())
				}
			case <-time.After(outputWait):
				t.Fatalf("still running %v after %v", outputWait, tt.signal)
			}
			if !strings.HasSuffix(stderr.String(), "posthogfake: stopped\n") {
				t.Errorf("standard error:\n%s\nwant it to end with posthogfake: stopped", stderr.String())
			}
			if a := send(t.Context(), hc, "GET", ep.URL+"/api/users/", ep.StaffKey, ""); a.err == nil {
				t.Errorf("after stopping, the fake still answers: %d", a.status)
			}
		})
	}
}

// started is the command run in this process by start.
type started struct {
	endpoint
	hc     *http.Client
	stderr func() string // what it wrote to standard error, once stopped
}

// start runs the command with args in this process until the test ends,
// when it stops it and checks that it exits with status 0.
func start(t *testing.T, args ...string) started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, args, pw, &stderr)
		_ = pw.Close()
	}()
	var once sync.Once
	var exit int
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case exit = <-code:
			case <-time.After(outputWait):
				t.Errorf("still running %v after it was stopped", outputWait)
			}
		})
	}
	t.Cleanup(func() {
		stop()
		if exit != 0 {
			t.Errorf("exit status %d; want 0\n%s", exit, stderr.String())
		}
	})
	return started{
		endpoint: awaitEndpoint(t, pr, false),
		hc:       client(t),
		stderr:   func() string { stop(); return stderr.String() },
	}
}

func TestRun_faultStatus(t *testing.T) {
	t.Parallel()
	s := start(t, "-users", "1", "-fault-rate", "1", "-fault-status", "429", "-fault-retry-after", "3")
	a := send(t.Context(), s.hc, "GET", s.URL+"/api/users/", s.StaffKey, "")
	want := `{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in 3 seconds.","attr":null}`
	if a.status != http.StatusTooManyRequests || string(a.body) != want || a.header.Get("Retry-After") != "3" {
		t.Errorf("answer %d %s, Retry-After %q; want 429 %s, Retry-After 3", a.status, a.body, a.header.Get("Retry-After"), want)
	}
}

func TestRun_resetAndTruncate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		flag string
		want error
	}{
		{"-reset-rate", io.EOF}, // the connection closes with no answer
		{"-truncate-rate", io.ErrUnexpectedEOF},
	} {
		t.Run(tt.flag, func(t *testing.T) {
			t.Parallel()
			s := start(t, tt.flag, "1")
			a := send(t.Context(), s.hc, "GET", s.URL+"/api/users/", s.StaffKey, "")
			if !errors.Is(a.err, tt.want) {
				t.Errorf("answer %d %s, error %v; want %v", a.status, a.body, a.err, tt.want)
			}
		})
	}
}

func TestRun_latency(t *testing.T) {
	t.Parallel()
	s := start(t, "-latency", "1h")
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if a := send(ctx, s.hc, "GET", s.URL+"/api/users/", s.StaffKey, ""); !errors.Is(a.err, context.DeadlineExceeded) {
		t.Errorf("answer %d, error %v; want none before the client gave up", a.status, a.err)
	}
}

func TestRun_throttle(t *testing.T) {
	t.Parallel()
	s := start(t, "-throttle", "2/minute")
	for i := range 2 {
		if a := send(t.Context(), s.hc, "GET", s.URL+"/api/users/", s.StaffKey, ""); a.status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, a.status, a.body)
		}
	}
	a := send(t.Context(), s.hc, "GET", s.URL+"/api/users/@me/", s.StaffKey, "")
	wait, err := strconv.Atoi(a.header.Get("Retry-After"))
	var env map[string]any
	_ = json.Unmarshal(a.body, &env)
	if a.status != http.StatusTooManyRequests || err != nil || wait < 1 || wait > 60 || env["type"] != "throttled_error" || env["code"] != "throttled" {
		t.Errorf("third request: %d %s, Retry-After %q; want PostHog's 429 with Retry-After up to 60", a.status, a.body, a.header.Get("Retry-After"))
	}
	// Each key has its own budget.
	if a := send(t.Context(), s.hc, "GET", s.URL+"/api/users/", s.ReadKey, ""); a.status != http.StatusOK {
		t.Errorf("the other key: %d %s", a.status, a.body)
	}
}

func TestRun_localhost(t *testing.T) {
	t.Parallel()
	s := start(t, "-addr", "localhost:0", "-users", "0")
	if a := send(t.Context(), s.hc, "GET", s.URL+"/api/users/@me/", s.ReadKey, ""); a.status != http.StatusOK {
		t.Errorf("answer %d %s", a.status, a.body)
	}
	if strings.Contains(s.stderr(), "WARNING") {
		t.Errorf("a warning for a loopback address:\n%s", s.stderr())
	}
}

func TestRun_allowRemoteWarns(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("listening on every interface may ask for the firewall's permission")
	}
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"-addr", "0.0.0.0:0", "-allow-remote", "-json"}, pw, &stderr)
		_ = pw.Close()
	}()
	got := make(chan error, 1)
	go func() {
		_, err := readEndpoint(pr, true)
		got <- err
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Errorf("reading the URL and keys: %v", err)
		}
	case <-time.After(outputWait):
		t.Errorf("no URL printed within %v", outputWait)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("exit status %d", c)
	}
	if out := stderr.String(); !strings.Contains(out, "posthogfake: WARNING: listening on ") || !strings.Contains(out, "printed in clear") {
		t.Errorf("standard error:\n%s\nwant the warning", out)
	}
}

func TestRun_badFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-addr", "0.0.0.0:0"}, "not a loopback address"},
		{[]string{"-addr", ":0"}, "not a loopback address"},
		{[]string{"-addr", "192.0.2.7:8080"}, "-allow-remote"},
		{[]string{"-addr", "127.0.0.1"}, "-addr"},
		{[]string{"-users", "-1"}, "-users -1 is negative"},
		{[]string{"-latency", "-1s"}, "-latency"},
		{[]string{"-fault-rate", "1.5"}, "-fault-rate 1.5 is not a fraction"},
		{[]string{"-reset-rate", "-0.1"}, "-reset-rate"},
		{[]string{"-truncate-rate", "NaN"}, "-truncate-rate"},
		{[]string{"-fault-rate", "0.6", "-reset-rate", "0.5"}, "add up to"},
		{[]string{"-fault-status", "200"}, "-fault-status 200"},
		{[]string{"-fault-retry-after", "soon"}, "-fault-retry-after"},
		{[]string{"-throttle", "10"}, "-throttle"},
		{[]string{"-throttle", "10/week"}, "-throttle"},
		{[]string{"-users"}, "flag needs an argument"},
		{[]string{"-nope"}, "flag provided but not defined"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), tt.args, &stdout, &stderr); code != 2 || stdout.Len() != 0 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: status %d, stdout %q, stderr %q; want 2 and %q", tt.args, code, stdout.String(), stderr.String(), tt.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-fault-rate") {
		t.Errorf("-h: status %d, usage %q", code, stderr.String())
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"10/s": time.Second, "480/minute": time.Minute, "10/m": time.Minute, "100/hour": time.Hour,
		"1000/day": 24 * time.Hour, "10/10s": 10 * time.Second, "10/1m30s": 90 * time.Second,
	} {
		n, d, err := parseRate(in)
		if err != nil || n != 10 && n != 480 && n != 100 && n != 1000 || d != want {
			t.Errorf("parseRate(%q) = %d, %v, %v; want the period %v", in, n, d, err, want)
		}
	}
	for _, in := range []string{"", "10", "x/s", "0/s", "-1/s", "10/", "10/w", "10/-1s", "10/S"} {
		if _, _, err := parseRate(in); err == nil {
			t.Errorf("parseRate(%q): no error", in)
		}
	}
}

func TestFaults_rates(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		c    config
		want []posthogtest.Fault
	}{
		{"none", config{faultStatus: 503}, nil},
		{"latency only", config{faultStatus: 503, latency: time.Millisecond},
			[]posthogtest.Fault{{Latency: time.Millisecond}}},
		{"a fault rate", config{faultRate: 0.1, faultStatus: 502, retryAfter: "2"},
			[]posthogtest.Fault{{Status: 502, RetryAfter: "2", Probability: 0.1}}},
		// Each rate is of all requests: the later faults draw among the
		// requests the earlier ones spared.
		{"rates that add up to 1", config{faultRate: 0.5, faultStatus: 503, resetRate: 0.25, truncRate: 0.25, latency: time.Second},
			[]posthogtest.Fault{
				{Status: 503, Probability: 0.5, Latency: time.Second},
				{Reset: true, Probability: 0.5, Latency: time.Second},
				{Truncate: true, Probability: 1, Latency: time.Second},
			}},
		{"every request", config{faultRate: 1, faultStatus: 500, resetRate: 0, latency: time.Second},
			[]posthogtest.Fault{{Status: 500, Probability: 1, Latency: time.Second}}},
		{"some, with latency for the rest", config{faultStatus: 503, resetRate: 0.2, latency: time.Second},
			[]posthogtest.Fault{{Reset: true, Probability: 0.2, Latency: time.Second}, {Latency: time.Second}}},
	} {
		if diff := cmp.Diff(tt.want, faults(tt.c)); diff != "" {
			t.Errorf("%s: faults (-want +got):\n%s", tt.name, diff)
		}
	}
}
