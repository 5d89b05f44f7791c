// Command posthogfake serves posthogtest's fake PostHog users API on a
// local port, for tests written in other languages, a browser or curl, as
// stripe-mock serves Stripe's API:
//
//	go run github.com/hogkit/posthogusers/posthogtest/cmd/posthogfake -users 1000
//
// It prints the base URL and two personal API keys on standard output, one
// NAME=value line each, then serves until it is interrupted (SIGINT or
// SIGTERM), when it stops taking requests, gives the ones in progress five
// seconds to finish and exits with status 0:
//
//	POSTHOG_URL=http://127.0.0.1:43117
//	POSTHOG_STAFF_KEY=phx_…
//	POSTHOG_READ_KEY=phx_…
//
// With -json it prints one line of JSON instead:
//
//	{"url":"http://127.0.0.1:43117","staff_key":"phx_…","read_key":"phx_…"}
//
// Both keys belong to a staff user, Ada Lovelace (ada@example.com), who may
// read every user: the staff key has the scopes user:read and user:write,
// the read key user:read only, so PostHog refuses it every change (403).
// The -users seeded users are non-staff members of the fake's organization,
// listed after Ada: a listing counts -users + 1.
//
//	curl -H "Authorization: Bearer $POSTHOG_STAFF_KEY" "$POSTHOG_URL/api/users/?limit=2"
//
// The fake behaves as the package posthogtest documents: PostHog's routes,
// scopes, pagination, error envelopes and messages. Nothing is kept when it
// stops.
//
// A program that starts the fake and stops it with SIGTERM should start the
// built command, not go run: go run does not pass SIGTERM on, and the fake
// would outlive it. Build it once with
//
//	go build -o posthogfake github.com/hogkit/posthogusers/posthogtest/cmd/posthogfake
//
// (Ctrl-C in a terminal reaches both go run and the fake.)
//
// # Flags
//
//	-addr host:port
//		The address to listen on (default 127.0.0.1:0). Port 0 picks a
//		free port, named in POSTHOG_URL, so that runs side by side never
//		collide; give a port for a fixed URL. The fake listens on loopback
//		only: any other address is refused unless -allow-remote is given.
//	-allow-remote
//		Allows an -addr that is not loopback. The fake then warns, on
//		standard error, that its keys are printed in clear and travel over
//		plain HTTP to anyone who can reach it.
//	-users n
//		How many users to seed (default 100). A million users cost no
//		more than ten: a seeded user exists only as its ID until a request
//		changes it.
//	-latency d
//		Delays every answer by d, a Go duration such as 50ms.
//	-fault-rate f
//		Answers a fraction f (0 to 1) of the requests, at random, with
//		-fault-status and PostHog's error envelope for it instead of
//		serving them.
//	-fault-status code
//		The status of those answers (default 503): a 5xx, or 429 for
//		PostHog's throttled error, or any 4xx.
//	-fault-retry-after s
//		The Retry-After header, in seconds, sent with them (default none).
//	-reset-rate f
//		Drops the connection of a fraction f of the requests, with no
//		answer.
//	-truncate-rate f
//		Cuts the body of a fraction f of the answers in half.
//	-throttle n/period
//		Throttles each key (each address, for requests without one) to n
//		requests a period, on every endpoint, with PostHog's 429 and a
//		Retry-After of the seconds until the oldest request leaves the
//		period, as DRF does. The period is s, m, h or d (second, minute,
//		hour, day, as in DRF's rates: 480/minute), or a Go duration
//		(5/10s). PostHog itself throttles only a few endpoints.
//	-json
//		Prints the URL and keys as JSON.
//
// The rates of -fault-rate, -reset-rate and -truncate-rate are fractions of
// all requests, drawn at random for each, and add up: -fault-rate 0.1
// -reset-rate 0.05 fails about 15% of the requests. Their sum may not
// exceed 1. Faults are drawn first: a request answered with a fault does
// not count towards -throttle.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hogkit/posthogusers/posthogtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is what the command's flags set.
type config struct {
	addr        string
	allowRemote bool
	users       int
	latency     time.Duration
	faultRate   float64
	faultStatus int
	retryAfter  string
	resetRate   float64
	truncRate   float64
	throttleN   int
	throttleP   time.Duration
	json        bool
}

// parseFlags reads the command's arguments, printing any error to stderr
// (the flag package adds the usage); for -h the error is [flag.ErrHelp].
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("posthogfake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var throttle string
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "`host:port` to listen on; port 0 picks a free one")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow an -addr that is not loopback (the keys travel in clear)")
	fs.IntVar(&c.users, "users", 100, "how many users to seed")
	fs.DurationVar(&c.latency, "latency", 0, "delay every answer by this `duration`")
	fs.Float64Var(&c.faultRate, "fault-rate", 0, "`fraction` of requests answered with -fault-status")
	fs.IntVar(&c.faultStatus, "fault-status", http.StatusServiceUnavailable, "`status` of those answers: 4xx or 5xx")
	fs.StringVar(&c.retryAfter, "fault-retry-after", "", "Retry-After `seconds` sent with them")
	fs.Float64Var(&c.resetRate, "reset-rate", 0, "`fraction` of requests whose connection is dropped")
	fs.Float64Var(&c.truncRate, "truncate-rate", 0, "`fraction` of answers cut in half")
	fs.StringVar(&throttle, "throttle", "", "throttle each key to `n/period` requests (10/s, 480/minute, 5/10s)")
	fs.BoolVar(&c.json, "json", false, "print the URL and keys as JSON")
	if err := fs.Parse(args); err != nil {
		return c, err // printed by fs
	}
	err := c.check(fs.Args(), throttle)
	if err != nil {
		fmt.Fprintf(stderr, "posthogfake: %v\n", err)
	}
	return c, err
}

// check checks the values of the flags, and reads -throttle's into c.
// rest are the arguments after the flags.
func (c *config) check(rest []string, throttle string) error {
	if len(rest) > 0 {
		return fmt.Errorf("unexpected argument %q", rest[0])
	}
	if c.users < 0 {
		return fmt.Errorf("-users %d is negative", c.users)
	}
	if c.latency < 0 {
		return fmt.Errorf("-latency %v is negative", c.latency)
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"-fault-rate", c.faultRate}, {"-reset-rate", c.resetRate}, {"-truncate-rate", c.truncRate}} {
		if !(r.v >= 0 && r.v <= 1) {
			return fmt.Errorf("%s %v is not a fraction from 0 to 1", r.name, r.v)
		}
	}
	if sum := c.faultRate + c.resetRate + c.truncRate; sum > 1+1e-9 {
		return fmt.Errorf("-fault-rate, -reset-rate and -truncate-rate add up to %v, more than 1", sum)
	}
	if c.faultStatus < 400 || c.faultStatus > 599 {
		return fmt.Errorf("-fault-status %d is not an error status (400 to 599)", c.faultStatus)
	}
	if c.retryAfter != "" {
		if n, err := strconv.Atoi(c.retryAfter); err != nil || n < 0 {
			return fmt.Errorf("-fault-retry-after %q is not a number of seconds", c.retryAfter)
		}
	}
	if throttle != "" {
		n, period, err := parseRate(throttle)
		if err != nil {
			return fmt.Errorf("-throttle: %w", err)
		}
		c.throttleN, c.throttleP = n, period
	}
	return nil
}

// parseRate reads a rate of n requests a period: "n/s", "n/minute" (DRF's
// form, of which only the period's first letter counts) or "n/10s".
func parseRate(s string) (int, time.Duration, error) {
	num, per, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n <= 0 {
		return 0, 0, fmt.Errorf("%q is not n/period with n a positive number", s)
	}
	if d, err := time.ParseDuration(per); err == nil && d > 0 {
		return n, d, nil
	}
	if per != "" && strings.Trim(per, "abcdefghijklmnopqrstuvwxyz") == "" {
		units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}
		if d, ok := units[per[0]]; ok {
			return n, d, nil
		}
	}
	return 0, 0, fmt.Errorf("%q: the period is not s, m, h, d or a duration", s)
}

// endpoint is what the command prints: where the fake is and its keys.
type endpoint struct {
	URL      string `json:"url"`
	StaffKey string `json:"staff_key"`
	ReadKey  string `json:"read_key"`
}

// run is the command: it serves the fake until ctx is done and returns the
// exit status (2 for bad flags, 1 when serving fails).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		return 2
	}
	ln, err := listen(ctx, c.addr, c.allowRemote, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "posthogfake: %v\n", err)
		return 2
	}
	fake, ep := newFake(c)
	ep.URL = "http://" + ln.Addr().String()
	srv := &http.Server{
		Handler:           fake,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(stderr, "posthogfake: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	if err := printEndpoint(stdout, ep, c.json); err != nil {
		_ = srv.Close()
		<-served
		fmt.Fprintf(stderr, "posthogfake: printing the URL and keys: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "posthogfake: serving %d users at %s; stop with Ctrl-C\n", c.users+1, ep.URL)

	select {
	case err := <-served:
		fmt.Fprintf(stderr, "posthogfake: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if err != nil {
		_ = srv.Close() // requests still running, such as long -latency waits
	}
	<-served
	fmt.Fprintln(stderr, "posthogfake: stopped")
	return 0
}

// listen listens on addr, which must be a loopback address unless
// allowRemote; a remote one gets a warning on stderr.
func listen(ctx context.Context, addr string, allowRemote bool, stderr io.Writer) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("-addr %q: %w", addr, err)
	}
	// Refuse what is plainly not loopback before listening at all; what
	// a name resolves to is checked on the address listened on.
	if !allowRemote && !isLoopback(host) {
		return nil, fmt.Errorf("-addr %q is not a loopback address; the fake prints its keys and serves them over plain HTTP, so it listens beyond this machine only with -allow-remote", addr)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		if !allowRemote {
			_ = ln.Close()
			return nil, fmt.Errorf("-addr %q listens on %s, which is not loopback; give -allow-remote to allow it", addr, tcp.IP)
		}
		fmt.Fprintf(stderr, "posthogfake: WARNING: listening on %s, beyond this machine: anyone who can reach it can use the keys, which are printed in clear and sent over plain HTTP\n", ln.Addr())
	}
	return ln, nil
}

// isLoopback reports whether host, of an address to listen on, is a
// loopback address or "localhost". "" (every interface) is not.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newFake builds the fake the flags describe: its staff user and keys, the
// seeded users, the throttle, and the faults at their rates.
func newFake(c config) (*posthogtest.Fake, endpoint) {
	var opts []posthogtest.Option
	if c.throttleN > 0 {
		opts = append(opts, posthogtest.WithThrottle(c.throttleN, c.throttleP))
	}
	fake := posthogtest.New(opts...)
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", IsStaff: true})
	ep := endpoint{
		StaffKey: fake.AddKey(ada.UUID, "user:read", "user:write"),
		ReadKey:  fake.AddKey(ada.UUID, "user:read"),
	}
	fake.SeedUsers(c.users)
	for _, ft := range faults(c) {
		fake.InjectFault(ft)
	}
	return fake, ep
}

// faults turns the rates of the flags into the faults to inject, in order.
// A request gets the first fault that does not spare it, so each fault's
// Probability is its rate among the requests the earlier ones spared; the
// last fault, when there is a latency, delays every request left.
func faults(c config) []posthogtest.Fault {
	var out []posthogtest.Fault
	left := 1.0 // the fraction of requests no earlier fault takes
	for _, f := range []struct {
		rate  float64
		fault posthogtest.Fault
	}{
		{c.faultRate, posthogtest.Fault{Status: c.faultStatus, RetryAfter: c.retryAfter}},
		{c.resetRate, posthogtest.Fault{Reset: true}},
		{c.truncRate, posthogtest.Fault{Truncate: true}},
	} {
		if f.rate <= 0 || left <= 1e-9 {
			continue
		}
		f.fault.Probability = min(f.rate/left, 1)
		f.fault.Latency = c.latency
		out = append(out, f.fault)
		left -= f.rate
	}
	if c.latency > 0 && left > 1e-9 {
		out = append(out, posthogtest.Fault{Latency: c.latency})
	}
	return out
}

// printEndpoint writes the URL and keys, as NAME=value lines or as JSON.
func printEndpoint(w io.Writer, ep endpoint, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(ep)
	}
	_, err := fmt.Fprintf(w, "POSTHOG_URL=%s\nPOSTHOG_STAFF_KEY=%s\nPOSTHOG_READ_KEY=%s\n", ep.URL, ep.StaffKey, ep.ReadKey)
	return err
}
