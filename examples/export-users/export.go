package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/hogkit/posthogusers"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// state is what the checkpoint file holds: where the scan stands, and how
// much of the output file holds the users before that point.
type state struct {
	// Scan is where to resume the scan.
	Scan posthogusers.Checkpoint `json:"scan"`
	// Bytes is the length of the output file that holds the users before
	// Scan; anything after it is cut off on resuming.
	Bytes int64 `json:"bytes"`
	// Lines is how many users those bytes hold.
	Lines int64 `json:"lines"`
}

// result is how far an export got.
type result struct {
	// lines and bytes are what the output file holds.
	lines, bytes int64
	// saved reports that the export stopped with its checkpoint saved.
	saved bool
}

// export writes every user to o.out, resuming from o.checkpoint when it
// exists. On a failed page it saves the checkpoint and returns the
// [*posthogusers.ScanError]; when the list changed during the export it
// finishes and returns the [*posthogusers.DriftError].
func export(ctx context.Context, client *posthogusers.Client, o options, stdout, stderr io.Writer) (res result, err error) {
	if err := removeTempStates(o.checkpoint); err != nil {
		return res, err
	}
	st, resumed, err := loadState(o.checkpoint)
	if err != nil {
		return res, err
	}
	f, err := openOutput(o.out, st, resumed)
	if err != nil {
		return res, err
	}
	out := &output{path: o.out, checkpoint: o.checkpoint, f: f, w: bufio.NewWriterSize(f, 1<<20), written: st}
	defer out.close()
	if resumed {
		fmt.Fprintf(stdout, "Resuming from %s: %d users already in %s, going on at offset %d\n", o.checkpoint, st.Lines, o.out, st.Scan.Offset)
	}

	bar := newProgressBar(stderr, st.Scan.Offset)
	var pageErr error // saving the checkpoint after a page failed
	sc := client.Users.Scan(ctx, &posthogusers.ScanOptions{
		Limit:  o.limit,
		Window: o.window,
		Start:  st.Scan,
		// After every page, every user before p.Checkpoint has been through
		// the loop below.
		OnProgress: func(p posthogusers.Progress) {
			bar.update(p)
			if pageErr != nil {
				return
			}
			if pageErr = out.save(p.Checkpoint); pageErr == nil && o.afterPage != nil {
				pageErr = o.afterPage(ctx, p)
			}
		},
	})
	var scanErr error
	for user, err := range sc.Raw() {
		if err != nil {
			scanErr = err
			break
		}
		if pageErr != nil {
			break // the checkpoint on disk is older: resuming cuts this off
		}
		if err := out.write(user); err != nil {
			return res, fmt.Errorf("the user at offset %d: %w", sc.Checkpoint().Offset-1, err)
		}
	}
	bar.finish()
	res.lines, res.bytes = out.written.Lines, out.written.Bytes

	var se *posthogusers.ScanError
	switch {
	case pageErr != nil:
		return res, pageErr
	case errors.As(scanErr, &se):
		if err := out.save(se.Checkpoint); err != nil {
			return res, fmt.Errorf("%w; saving the checkpoint: %w", scanErr, err)
		}
		res.saved = true
		return res, scanErr
	case scanErr != nil && !errors.Is(scanErr, posthogusers.ErrDrift):
		return res, scanErr
	}
	if err := out.finish(); err != nil {
		return res, err
	}
	return res, scanErr // nil, or the drift
}

// output is the JSON Lines file an export writes, with its checkpoint.
type output struct {
	path, checkpoint string
	f                *os.File
	w                *bufio.Writer
	written          state // what f and w hold
}

// write adds a user as one line.
func (o *output) write(user jsontext.Value) error {
	if bytes.IndexByte(user, '\n') >= 0 { // JSON Lines wants one line
		if err := user.Compact(); err != nil {
			return err
		}
	}
	_, _ = o.w.Write(user) // a bufio.Writer's error comes back from Flush
	_ = o.w.WriteByte('\n')
	o.written.Bytes += int64(len(user)) + 1
	o.written.Lines++
	return nil
}

// sync makes what has been written durable.
func (o *output) sync() error {
	if err := o.w.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", o.path, err)
	}
	if err := o.f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", o.path, err)
	}
	return nil
}

// save makes what has been written durable and records it, with cp, in the
// checkpoint file.
func (o *output) save(cp posthogusers.Checkpoint) error {
	if err := o.sync(); err != nil {
		return err
	}
	o.written.Scan = cp
	return saveState(o.checkpoint, o.written)
}

// finish completes the file once every page was read, then drops the
// checkpoint.
func (o *output) finish() error {
	if err := o.sync(); err != nil {
		return err
	}
	err := o.f.Close()
	o.f = nil
	if err != nil {
		return fmt.Errorf("closing %s: %w", o.path, err)
	}
	if err := os.Remove(o.checkpoint); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the checkpoint: %w", err)
	}
	return nil
}

// close closes the file if finish did not.
func (o *output) close() {
	if o.f != nil {
		_ = o.f.Close()
	}
}

// loadState reads the checkpoint file; ok is false when there is none.
func loadState(path string) (st state, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("reading the checkpoint: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, false, fmt.Errorf("the checkpoint %s is damaged (delete it to start over): %w", path, err)
	}
	if st.Bytes < 0 || st.Lines < 0 || st.Scan.Offset < 0 {
		return st, false, fmt.Errorf("the checkpoint %s is damaged (delete it to start over): negative values", path)
	}
	return st, true, nil
}

// openOutput opens the output file to write from the end of what st
// covers: emptied when not resuming, cut back to st.Bytes when resuming.
func openOutput(path string, st state, resume bool) (*os.File, error) {
	// Only the owner may read it: the file holds every user's email.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the output: %w", err)
	}
	size := int64(0)
	if resume {
		fi, err := f.Stat()
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("opening the output: %w", err)
		}
		if fi.Size() < st.Bytes {
			_ = f.Close()
			return nil, fmt.Errorf("%s holds %d bytes, fewer than the %d its checkpoint records: delete the checkpoint to start over", path, fi.Size(), st.Bytes)
		}
		size = st.Bytes
	}
	if err := f.Truncate(size); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("truncating the output: %w", err)
	}
	if _, err := f.Seek(size, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("opening the output: %w", err)
	}
	return f, nil
}

// tempStatePattern is the name of saveState's temporary files for the
// checkpoint file path, for os.CreateTemp.
func tempStatePattern(path string) string { return filepath.Base(path) + ".*.tmp" }

// removeTempStates removes the temporary files of saveState that a run
// stopped between creating one and renaming it (kill -9, a crash) left next
// to the checkpoint file path: the checkpoint's name, a dot, the digits
// os.CreateTemp puts in, and ".tmp". A run of the same export at the same
// time is not supported: it would write the same output.
func removeTempStates(path string) error {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("looking for temporary checkpoints: %w", err)
	}
	prefix, suffix, _ := strings.Cut(tempStatePattern(path), "*")
	for _, e := range entries {
		digits, hasPrefix := strings.CutPrefix(e.Name(), prefix)
		digits, hasSuffix := strings.CutSuffix(digits, suffix)
		if !hasPrefix || !hasSuffix || digits == "" || strings.Trim(digits, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing a temporary checkpoint: %w", err)
		}
	}
	return nil
}

// saveState writes st to the checkpoint file atomically: to a temporary
// file in the same directory, synced, then renamed over it.
func saveState(path string, st state) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), tempStatePattern(path))
	if err != nil {
		return fmt.Errorf("saving the checkpoint: %w", err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("saving the checkpoint: %w", err)
	}
	// Make the rename durable too; not every system can sync a directory.
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		_ = dir.Sync()
		_ = dir.Close()
	}
	return nil
}

// progressBar shows a scan's progress on a terminal, and nothing otherwise
// (a log file or a test's pipe gets no bar). A resumed scan's bar counts
// the users of this run, so that its rate and time left are right.
type progressBar struct {
	w       io.Writer
	visible bool
	start   int // the users exported by earlier runs
	bar     *progressbar.ProgressBar
}

// newProgressBar returns a bar drawn on w when w is a terminal, for a scan
// that starts after start users. Its clock starts now; its total is set
// by the first page.
func newProgressBar(w io.Writer, start int) *progressBar {
	f, ok := w.(*os.File)
	b := &progressBar{w: w, visible: ok && term.IsTerminal(int(f.Fd())), start: start}
	desc := "Exporting users"
	if start > 0 {
		desc = fmt.Sprintf("Exporting users after the first %d", start)
	}
	b.bar = progressbar.NewOptions64(1, // a placeholder: 0 would refuse updates
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(b.visible),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetItsString("users"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
	b.bar.StartWithoutRender()
	return b
}

// update shows p.
func (b *progressBar) update(p posthogusers.Progress) {
	if total := int64(p.Total - b.start); total > 0 && total != b.bar.GetMax64() {
		b.bar.ChangeMax64(total)
	}
	_ = b.bar.Set64(int64(p.Done - b.start))
}

// finish leaves the bar as it is and ends its line.
func (b *progressBar) finish() {
	if b.visible && b.bar.IsStarted() {
		_ = b.bar.Exit()
		fmt.Fprintln(b.w)
	}
}
