// Command export-users writes every PostHog user to a JSON Lines file, one
// user a line as PostHog's JSON, the way a nightly batch job would. It reads
// the list with [posthogusers.UsersService.Scan] and its Raw iterator, the
// fastest path: users are copied from PostHog's pages without being decoded.
//
//	go run ./examples/export-users -out users.jsonl
//
// Flags:
//
//	-out FILE         the JSON Lines file to write (default users.jsonl)
//	-window N         pages requested at once (default 4)
//	-limit N          users a page (default 1000)
//	-checkpoint FILE  where progress is saved (default FILE.checkpoint, next to -out)
//	-base-url URL     with a key only: the PostHog instance (default $POSTHOG_HOST, else https://us.posthog.com)
//	-users N          with the embedded fake only: how many users to seed (default 200000)
//
// # Real PostHog or an embedded fake
//
// With POSTHOG_PERSONAL_API_KEY set, the program exports the users of the
// PostHog instance of POSTHOG_HOST (or -base-url), with the client
// posthogusers.NewClientFromEnv makes. Listing every user takes a staff
// user's key with the user:read scope: PostHog shows a non-staff key only
// its own user, so the export then has one line.
//
// Without POSTHOG_PERSONAL_API_KEY it starts an in-memory PostHog
// (package posthogtest) inside the program, seeded with -users generated
// users and one staff user, and exports them with a key of the staff user.
// Its first line says which PostHog it uses.
//
// # Stopping and resuming
//
// After every page the program flushes the output to disk and saves a
// checkpoint: where the scan stands and how many bytes of the output file it
// covers, written to a temporary file and renamed over the checkpoint file,
// so the checkpoint on disk is always whole. When a run stops for any
// reason (a page that keeps failing, Ctrl-C, a crash, kill -9), running the
// same command again truncates the output to the length the checkpoint
// records and goes on from there: no line is lost or written twice. A run
// that ends removes the checkpoint; a run without a checkpoint starts over.
// A run also removes the temporary checkpoint files a stopped run may have
// left next to the checkpoint (FILE.checkpoint.NNN.tmp).
//
// # Exit codes
//
//	0  every user exported
//	1  the export failed; if it says so, run the same command again to resume
//	2  bad flags
//	3  every page was read, but PostHog's list changed during the export,
//	   so users may be missing: the output is kept, and a new run may give
//	   a complete export
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hogkit/posthogusers"
)

// Exit codes of the program.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
	exitDrift = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// options are the program's flags.
type options struct {
	out        string
	checkpoint string
	window     int
	limit      int
	users      int
	baseURL    string

	// afterPage, when set, is called after each page is saved; the
	// embedded fake's test hooks use it.
	afterPage func(context.Context, posthogusers.Progress) error
}

// parseFlags reads the program's flags from args.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("export-users", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.out, "out", "users.jsonl", "the JSON Lines `file` to write")
	fs.IntVar(&o.window, "window", 4, "how many pages to request at once")
	fs.IntVar(&o.limit, "limit", 1000, "how many users a page holds")
	fs.StringVar(&o.checkpoint, "checkpoint", "", "where to save progress (default the -out file with .checkpoint added)")
	fs.IntVar(&o.users, "users", 200_000, "with the embedded fake PostHog only: how many users to seed")
	fs.StringVar(&o.baseURL, "base-url", "", "with POSTHOG_PERSONAL_API_KEY only: the PostHog instance (default $POSTHOG_HOST, else "+posthogusers.USCloud+")")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case o.out == "":
		return o, errors.New("-out must name a file")
	case o.window < 1:
		return o, fmt.Errorf("-window %d: must be at least 1", o.window)
	case o.limit < 1:
		return o, fmt.Errorf("-limit %d: must be at least 1", o.limit)
	case o.users < 0:
		return o, fmt.Errorf("-users %d: must not be negative", o.users)
	}
	if o.checkpoint == "" {
		o.checkpoint = o.out + ".checkpoint"
	}
	return o, nil
}

// run is the program, given its arguments, where to write and how to read
// the environment. It returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "export-users:", err)
		}
		return exitUsage
	}

	var client *posthogusers.Client
	if getenv(posthogusers.EnvPersonalAPIKey) == "" {
		hooks, err := fakeHooksFromEnv(getenv)
		if err != nil {
			fmt.Fprintln(stderr, "export-users:", err)
			return exitError
		}
		fake, err := startFake(o.users, hooks)
		if err != nil {
			fmt.Fprintln(stderr, "export-users:", err)
			return exitError
		}
		defer fake.Close()
		fmt.Fprintf(stdout, "Using an embedded fake PostHog at %s with %d users (set POSTHOG_PERSONAL_API_KEY to use real PostHog)\n", fake.URL, fake.users)
		o.afterPage = fake.afterPage
		client, err = posthogusers.NewClient(fake.key, append([]posthogusers.Option{posthogusers.WithBaseURL(fake.URL)}, fake.clientOpts...)...)
		if err != nil {
			fmt.Fprintln(stderr, "export-users:", err)
			return exitError
		}
	} else {
		// The key and POSTHOG_HOST from the environment; -base-url wins over
		// POSTHOG_HOST.
		var opts []posthogusers.Option
		if o.baseURL != "" {
			opts = append(opts, posthogusers.WithBaseURL(o.baseURL))
		}
		var err error
		if client, err = posthogusers.NewClientFromEnv(opts...); err != nil {
			fmt.Fprintln(stderr, "export-users:", err)
			return exitError
		}
		fmt.Fprintf(stdout, "Using PostHog at %s\n", client.BaseURL())
	}

	res, err := export(ctx, client, o, stdout, stderr)
	return report(stdout, stderr, o, res, err)
}

// report tells how the export went and returns the exit code for it.
func report(stdout, stderr io.Writer, o options, res result, err error) int {
	var scanErr *posthogusers.ScanError
	switch {
	case err == nil:
		fmt.Fprintf(stdout, "Exported %d users to %s (%d bytes)\n", res.lines, o.out, res.bytes)
		return exitOK
	case errors.Is(err, posthogusers.ErrDrift):
		fmt.Fprintf(stdout, "Exported %d users to %s (%d bytes)\n", res.lines, o.out, res.bytes)
		fmt.Fprintf(stderr, "export-users: warning: the list of users changed during the export, so users may be missing from %s; run again for a complete export.\n  %v\n", o.out, err)
		return exitDrift
	case errors.As(err, &scanErr) && res.saved:
		fmt.Fprintf(stderr, "export-users: %v\nexport-users: %d users so far are in %s and the checkpoint is saved in %s: run the same command again to resume.\n",
			err, res.lines, o.out, o.checkpoint)
		return exitError
	default:
		fmt.Fprintln(stderr, "export-users:", err)
		return exitError
	}
}
