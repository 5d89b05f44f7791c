package posthogusers

import (
	"slices"
	"testing"
)

func TestCollapseRepeats(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want []string }{
		{nil, nil},
		{[]string{"503"}, []string{"503"}},
		{[]string{"503", "503", "reset", "503"}, []string{"2× 503", "reset", "503"}},
		{[]string{"dial", "dial", "dial"}, []string{"3× dial"}},
	}
	for _, tt := range tests {
		if got := collapseRepeats(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("collapseRepeats(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
