package apisnapshot

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `package demo

import "context"

// Exported things get a line; unexported ones do not.
const Max, min = 10, 1

var ErrX error

type Client struct {
	Name    string ` + "`json:\"name\"`" + `
	secret  string
	*Base
}

type Base struct{}

type Page[T any] struct{ Items []T }

type Doer interface {
	Do(ctx context.Context) error
	private()
}

type ID = string

func New(name string, opts ...func(*Client)) (*Client, error) { return nil, nil }

func (c *Client) Get(ctx context.Context, id string) error { return nil }

func (p Page[T]) Len() int { return len(p.Items) }

func (c *Client) hidden() {}

func helper() {}

type inner struct{ Field int }

func (inner) Exported() {}
`
	if err := os.WriteFile(filepath.Join(dir, "demo.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "demo_test.go"), []byte("package demo\n\nfunc TestOnly() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Lines(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"pkg demo, const Max = 10",
		"pkg demo, func New(name string, opts ...func(*Client)) (*Client, error)",
		"pkg demo, method (*Client) Get(ctx context.Context, id string) error",
		"pkg demo, method (Page[T]) Len() int",
		"pkg demo, type Base struct",
		"pkg demo, type Client struct",
		"pkg demo, type Client struct, Name string",
		"pkg demo, type Client struct, embedded *Base",
		"pkg demo, type Doer interface",
		"pkg demo, type Doer interface, Do(ctx context.Context) error",
		"pkg demo, type ID = string",
		"pkg demo, type Page[T any] struct",
		"pkg demo, type Page[T any] struct, Items []T",
		"pkg demo, var ErrX error",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Lines (-want +got):\n%s", diff)
	}
}

func TestLines_noPackage(t *testing.T) {
	t.Parallel()
	if _, err := Lines(t.TempDir()); err == nil {
		t.Error("no error for a directory without Go files")
	}
}
