package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// TestMain runs the program itself when EXPORT_USERS_MAIN is 1, so that a
// test can start it as a process of its own (and kill it) without building
// it.
func TestMain(m *testing.M) {
	if os.Getenv("EXPORT_USERS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// The exports of the tests: seededUsers generated users and the staff
// user, 100 to a page. The last page is at offset 2300.
const (
	seededUsers = 2345
	totalUsers  = seededUsers + 1
	testLimit   = 100
	lastPage    = 2300
)

// testArgs returns the program's flags for an export to dir/users.jsonl.
func testArgs(dir string, extra ...string) []string {
	return append([]string{"-out", filepath.Join(dir, "users.jsonl"), "-users", strconv.Itoa(seededUsers), "-limit", strconv.Itoa(testLimit), "-window", "3"}, extra...)
}

// runResult is how a run of the program ended.
type runResult struct {
	code           int
	stdout, stderr string
}

// runInProcess runs the program with args and only the environment
// variables in env (so with the embedded fake).
func runInProcess(t *testing.T, args []string, env map[string]string) runResult {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(t.Context(), args, &stdout, &stderr, func(k string) string { return env[k] })
	return runResult{code, stdout.String(), stderr.String()}
}

// cleanOutput is the output of an export run once, to the end, with
// testArgs; the tests compare theirs with it.
var cleanOutput = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "export-users-test")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var stdout, stderr strings.Builder
	if code := run(context.Background(), testArgs(dir), &stdout, &stderr, func(string) string { return "" }); code != exitOK {
		return nil, fmt.Errorf("clean run: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	return os.ReadFile(filepath.Join(dir, "users.jsonl"))
})

// cleanExport returns cleanOutput.
func cleanExport(t *testing.T) []byte {
	t.Helper()
	b, err := cleanOutput()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readState reads a checkpoint file; ok is false when there is none.
func readState(t *testing.T, path string) (st state, ok bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, false
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("checkpoint %q: %v", b, err) // never half written
	}
	return st, true
}

// checkLines checks that out holds n JSON objects, one a line, with
// distinct ids in ascending order.
func checkLines(t *testing.T, out []byte, n int) {
	t.Helper()
	lines := bytes.SplitAfter(out, []byte("\n"))
	if last := lines[len(lines)-1]; len(last) != 0 {
		t.Fatalf("the output does not end with a newline: ends %q", last)
	}
	lines = lines[:len(lines)-1]
	if len(lines) != n {
		t.Fatalf("%d lines; want %d", len(lines), n)
	}
	prev := int64(0)
	for i, line := range lines {
		var u struct {
			ID    *int64 `json:"id"`
			Email string `json:"email"`
		}
		if err := json.Unmarshal(line, &u); err != nil || u.ID == nil || u.Email == "" {
			t.Fatalf("line %d is not a user (%v): %.200s", i+1, err, line)
		}
		if *u.ID <= prev {
			t.Fatalf("line %d: id %d after %d", i+1, *u.ID, prev)
		}
		prev = *u.ID
	}
}

func TestExport_clean(t *testing.T) {
	t.Parallel()
	want := cleanExport(t)
	checkLines(t, want, totalUsers)
	for _, tc := range []struct{ limit, window int }{
		{limit: 50, window: 1},
		{limit: 250, window: 4},
		{limit: 1000, window: 2},
		{limit: 5000, window: 4},
	} {
		t.Run(fmt.Sprintf("limit %d window %d", tc.limit, tc.window), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r := runInProcess(t, testArgs(dir, "-limit", strconv.Itoa(tc.limit), "-window", strconv.Itoa(tc.window)), nil)
			if r.code != exitOK {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, s := range []string{
				"Using an embedded fake PostHog at http://127.0.0.1:",
				fmt.Sprintf("with %d users", totalUsers),
				fmt.Sprintf("Exported %d users to %s", totalUsers, filepath.Join(dir, "users.jsonl")),
			} {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			if r.stderr != "" {
				t.Errorf("stderr, with no terminal, is not empty: %q", r.stderr)
			}
			if got := readFile(t, filepath.Join(dir, "users.jsonl")); !bytes.Equal(got, want) {
				t.Errorf("the output differs from that of -limit 50 -window 3 (%d bytes, %d wanted)", len(got), len(want))
			}
			if _, ok := readState(t, filepath.Join(dir, "users.jsonl.checkpoint")); ok {
				t.Error("the checkpoint is left after a finished export")
			}
		})
	}
}

// stopMidway starts the program as a process of its own on dir, with the
// embedded fake answering each page 2ms late and never answering the last
// one, so that the run cannot end by itself. Once its checkpoint is past
// offset, it sends the process sig (os.Kill, or os.Interrupt for Ctrl-C)
// and waits for it to end. It returns the checkpoint left and the
// program's output.
func stopMidway(t *testing.T, dir string, offset int, sig os.Signal, extraArgs ...string) (state, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], testArgs(dir, extraArgs...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "POSTHOG_") && !strings.HasPrefix(kv, "EXPORT_USERS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "EXPORT_USERS_MAIN=1", "EXPORT_USERS_FAKE_LATENCY=2ms", "EXPORT_USERS_FAKE_HOLD="+strconv.Itoa(lastPage))
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	cpPath := filepath.Join(dir, "users.jsonl.checkpoint")
	deadline := time.Now().Add(time.Minute) // a bound on a hung run, not a timing check
	for {
		if st, ok := readState(t, cpPath); ok && st.Scan.Offset >= offset {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the program ended by itself: %v\n%s", err, output.String())
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("no checkpoint past offset %d within a minute\n%s", offset, output.String())
		}
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	st, ok := readState(t, cpPath)
	if !ok {
		t.Fatalf("no checkpoint after %v\n%s", sig, output.String())
	}
	t.Logf("%v once past offset %d (%v): checkpoint %+v, output %d bytes", sig, offset, err, st, len(readFile(t, filepath.Join(dir, "users.jsonl"))))
	return st, output.String()
}

func TestExport_killedAndResumed(t *testing.T) {
	t.Parallel()
	want := cleanExport(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "users.jsonl")

	first, _ := stopMidway(t, dir, 500, os.Kill)
	// A write the kill cut short: a part of a line past the checkpoint.
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"date_joined":"2024-01-`); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// A checkpoint the kill stopped between writing and renaming it.
	if err := os.WriteFile(out+".checkpoint.2718281828.tmp", []byte(`{"scan":{"off`), 0o600); err != nil {
		t.Fatal(err)
	}

	// Resumed one page at a time, and killed again.
	second, _ := stopMidway(t, dir, min(max(first.Scan.Offset+1, 1200), lastPage), os.Kill, "-window", "1")
	if second.Scan.Offset < first.Scan.Offset || second.Lines != int64(second.Scan.Offset) {
		t.Errorf("checkpoints %+v, then %+v", first, second)
	}
	last := second
	if runtime.GOOS != "windows" { // which cannot send os.Interrupt
		var output string
		last, output = stopMidway(t, dir, min(max(second.Scan.Offset+1, 1800), lastPage), os.Interrupt)
		if !strings.Contains(output, "context canceled") || !strings.Contains(output, "run the same command again to resume") {
			t.Errorf("after Ctrl-C, the output lacks the reason and how to resume:\n%s", output)
		}
		if last.Bytes != int64(len(readFile(t, out))) {
			t.Errorf("after Ctrl-C, checkpoint %+v for an output of %d bytes", last, len(readFile(t, out)))
		}
	}

	r := runInProcess(t, testArgs(dir), nil)
	if r.code != exitOK {
		t.Fatalf("resumed run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if s := fmt.Sprintf("%d users already in %s, going on at offset %d", last.Lines, out, last.Scan.Offset); !strings.Contains(r.stdout, s) {
		t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
	}
	if got := readFile(t, out); !bytes.Equal(got, want) {
		checkLines(t, got, totalUsers)
		t.Fatalf("the resumed output differs from a clean run's (%d bytes, %d wanted)", len(got), len(want))
	}
	if _, ok := readState(t, out+".checkpoint"); ok {
		t.Error("the checkpoint is left after a finished export")
	}
	checkOnlyOutput(t, dir)
}

// checkOnlyOutput checks that dir holds users.jsonl and nothing else: no
// checkpoint, and no temporary checkpoint a killed run left.
func checkOnlyOutput(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "users.jsonl" {
		t.Errorf("after the export, %s holds %q; want users.jsonl alone", dir, names)
	}
}

// A run removes the temporary checkpoints a killed run left, and only
// those.
func TestExport_removesTemporaryCheckpoints(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "users.jsonl")
	left := []string{"users.jsonl.checkpoint.1.tmp", "users.jsonl.checkpoint.4294967295.tmp"}
	kept := []string{"users.jsonl.checkpoint.tmp", "users.jsonl.checkpoint.notes.tmp", "users.jsonl.checkpoint.12.tmp.bak",
		"other.checkpoint.12.tmp", "12.tmp", "users.jsonl.checkpoint.1.tmp.d"}
	for _, name := range append(left, kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(`{"sc`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := runInProcess(t, testArgs(dir, "-users", "10"), nil)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, name := range left {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is left: %v", name, err)
		}
	}
	for _, name := range kept {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s, not a temporary checkpoint, was removed: %v", name, err)
		}
	}
	checkLines(t, readFile(t, out), 11)
}

// TestExport_resumedAtTheEnd resumes from a checkpoint at the end of the
// list, as a run stopped between finishing the file and removing the
// checkpoint leaves.
func TestExport_resumedAtTheEnd(t *testing.T) {
	t.Parallel()
	want := cleanExport(t)
	for _, window := range []string{"1", "3"} {
		dir := t.TempDir()
		out := filepath.Join(dir, "users.jsonl")
		if err := os.WriteFile(out, want, 0o600); err != nil {
			t.Fatal(err)
		}
		st := state{Scan: posthogusers.Checkpoint{Offset: totalUsers, LastID: totalUsers}, Bytes: int64(len(want)), Lines: totalUsers}
		if err := saveState(out+".checkpoint", st); err != nil {
			t.Fatal(err)
		}
		r := runInProcess(t, testArgs(dir, "-window", window), nil)
		if r.code != exitOK || r.stderr != "" {
			t.Fatalf("-window %s: exit %d\n%s%s", window, r.code, r.stdout, r.stderr)
		}
		if got := readFile(t, out); !bytes.Equal(got, want) {
			t.Errorf("-window %s: the output changed (%d bytes, %d wanted)", window, len(got), len(want))
		}
		if _, ok := readState(t, out+".checkpoint"); ok {
			t.Errorf("-window %s: the checkpoint is left", window)
		}
	}
}

func TestExport_failingPage(t *testing.T) {
	t.Parallel()
	want := cleanExport(t)
	for _, window := range []int{1, 3} {
		t.Run(fmt.Sprintf("window %d", window), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out := filepath.Join(dir, "users.jsonl")
			args := testArgs(dir, "-window", strconv.Itoa(window))
			r := runInProcess(t, args, map[string]string{"EXPORT_USERS_FAKE_FAIL": "1000"})
			if r.code != exitError {
				t.Fatalf("exit %d; want %d\n%s%s", r.code, exitError, r.stdout, r.stderr)
			}
			for _, s := range []string{
				"posthogusers: scan stopped at offset 1000",
				"500",
				"run the same command again to resume",
			} {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			st, ok := readState(t, out+".checkpoint")
			if !ok {
				t.Fatal("no checkpoint after the failed page")
			}
			if st.Scan.Offset != 1000 || st.Lines != 1000 || st.Bytes != int64(len(readFile(t, out))) {
				t.Errorf("checkpoint %+v for an output of %d bytes; want offset 1000 and 1000 lines", st, len(readFile(t, out)))
			}

			r = runInProcess(t, args, nil)
			if r.code != exitOK {
				t.Fatalf("rerun: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if got := readFile(t, out); !bytes.Equal(got, want) {
				t.Errorf("the resumed output differs from a clean run's (%d bytes, %d wanted)", len(got), len(want))
			}
		})
	}
}

func TestExport_drift(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "users.jsonl")
	// The fake lists the staff user, a user it deletes once the export
	// passes offset 500, and the generated users: the deletion moves every
	// later user one place up, so the scan misses one. One page at a time,
	// so that every page after the deletion sees it: with a window, pages
	// answered before and after it may alternate, and more users go missing.
	r := runInProcess(t, testArgs(dir, "-window", "1"), map[string]string{"EXPORT_USERS_FAKE_DRIFT": "500"})
	if r.code != exitDrift {
		t.Fatalf("exit %d; want %d\n%s%s", r.code, exitDrift, r.stdout, r.stderr)
	}
	for _, s := range []string{
		"warning: the list of users changed during the export, so users may be missing from " + out,
		"posthogusers: the user list changed during the scan (count 2347, then 2346",
	} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
	checkLines(t, readFile(t, out), totalUsers+1-1) // the deleted user was exported; one other is missing
	if _, ok := readState(t, out+".checkpoint"); ok {
		t.Error("the checkpoint is left after an export that read every page")
	}
}

func TestReport(t *testing.T) {
	t.Parallel()
	o := options{out: "users.jsonl", checkpoint: "users.jsonl.checkpoint"}
	drift := &posthogusers.DriftError{FirstCount: 10, LastCount: 9, Reasons: []string{"count 9 at offset 4, 10 before"}}
	scanErr := &posthogusers.ScanError{Checkpoint: posthogusers.Checkpoint{Offset: 4, LastID: 4}, Err: errors.New("boom")}
	for _, tc := range []struct {
		name       string
		res        result
		err        error
		code       int
		wantStderr []string
	}{
		{"done", result{lines: 10, bytes: 100}, nil, exitOK, nil},
		{"drift", result{lines: 9}, fmt.Errorf("scan: %w", drift), exitDrift, []string{
			"warning: the list of users changed during the export, so users may be missing from users.jsonl",
			drift.Error(),
		}},
		{"failed page", result{lines: 4, saved: true}, scanErr, exitError, []string{
			scanErr.Error(),
			"4 users so far are in users.jsonl and the checkpoint is saved in users.jsonl.checkpoint: run the same command again to resume",
		}},
		{"checkpoint not saved", result{lines: 4}, scanErr, exitError, []string{scanErr.Error()}},
		{"other", result{}, errors.New("disk full"), exitError, []string{"export-users: disk full"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			if code := report(&stdout, &stderr, o, tc.res, tc.err); code != tc.code {
				t.Errorf("exit %d; want %d", code, tc.code)
			}
			for _, s := range tc.wantStderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
			if tc.err == nil && stderr.Len() > 0 {
				t.Errorf("stderr: %q", stderr.String())
			}
			if !tc.res.saved && strings.Contains(stderr.String(), "run the same command again") {
				t.Errorf("says to resume with no checkpoint saved:\n%s", stderr.String())
			}
		})
	}
}

func TestRun_badFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-window", "0"},
		{"-limit", "-1"},
		{"-users", "-5"},
		{"-out", ""},
		{"extra"},
		{"-nope"},
	} {
		if r := runInProcess(t, args, nil); r.code != exitUsage || r.stderr == "" {
			t.Errorf("%q: exit %d, stderr %q; want %d and a message", args, r.code, r.stderr, exitUsage)
		}
	}
}

func TestRun_damagedCheckpoint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "users.jsonl")
	if err := os.WriteFile(out+".checkpoint", []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runInProcess(t, testArgs(dir), nil)
	if r.code != exitError || !strings.Contains(r.stderr, "is damaged (delete it to start over)") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if err := os.WriteFile(out+".checkpoint", []byte(`{"scan":{"offset":100,"last_id":100},"bytes":1000,"lines":100}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runInProcess(t, testArgs(dir), nil)
	if r.code != exitError || !strings.Contains(r.stderr, "fewer than the 1000 its checkpoint records") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// With POSTHOG_PERSONAL_API_KEY set, the program exports from the PostHog
// of POSTHOG_HOST, or of -base-url, which wins over it (here a posthogtest
// server stands for PostHog). Not parallel: it sets the process's
// environment.
func TestRun_key(t *testing.T) {
	_, srv := posthogtest.NewServer(t, posthogtest.WithStaff())
	srv.SeedUsers(150)
	t.Setenv(posthogusers.EnvPersonalAPIKey, srv.Key)
	for name, tc := range map[string]struct {
		host string
		args []string
	}{
		"POSTHOG_HOST":                {srv.URL, nil},
		"-base-url over POSTHOG_HOST": {"ftp://not-this-one", []string{"-base-url", srv.URL}},
	} {
		t.Setenv(posthogusers.EnvHost, tc.host)
		dir := t.TempDir()
		var stdout, stderr strings.Builder
		args := append([]string{"-out", filepath.Join(dir, "users.jsonl"), "-limit", "100"}, tc.args...)
		if code := run(t.Context(), args, &stdout, &stderr, os.Getenv); code != exitOK {
			t.Fatalf("%s: exit %d\n%s%s", name, code, stdout.String(), stderr.String())
		}
		if want := "Using PostHog at " + srv.URL + "\n"; !strings.HasPrefix(stdout.String(), want) {
			t.Errorf("%s: stdout %q; want it to start with %q", name, stdout.String(), want)
		}
		checkLines(t, readFile(t, filepath.Join(dir, "users.jsonl")), 151)
	}

	t.Setenv(posthogusers.EnvPersonalAPIKey, "phc_projectToken")
	t.Setenv(posthogusers.EnvHost, srv.URL)
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-out", filepath.Join(t.TempDir(), "users.jsonl")}, &stdout, &stderr, os.Getenv); code != exitError ||
		!strings.Contains(stderr.String(), "invalid "+posthogusers.EnvPersonalAPIKey) {
		t.Errorf("with a project token: exit %d, stderr %q; want %d and an error naming the variable", code, stderr.String(), exitError)
	}
}
