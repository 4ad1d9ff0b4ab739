package core

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShareDefaults: events share the default contexts' maps only when no
// user code can see the event after it is built.
func TestShareDefaults(t *testing.T) {
	keep := func(ev *Event, _ *Hint) *Event { return ev }
	for _, tc := range []struct {
		name string
		opts Options
		want bool
	}{
		{"discard transport", Options{Transport: &DiscardTransport{}}, true},
		{"HTTP transport", Options{DSN: "https://key@o1.ingest.sentry.io/1"}, true},
		{"BeforeSend", Options{Transport: &DiscardTransport{}, BeforeSend: keep}, false},
		{"IgnoreErrors", Options{Transport: &DiscardTransport{}, IgnoreErrors: []IgnoreRule{
			func(error, *Event) bool { return false }}}, false},
		{"memory transport", Options{Transport: NewMemoryTransport()}, false},
		{"own scrubber", Options{Transport: &DiscardTransport{}, Scrubber: nopScrubber{}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.opts)
			require.NoError(t, err)
			defer c.Close(context.Background())
			assert.Equal(t, tc.want, c.shareDefaults)
		})
	}
}

type nopScrubber struct{}

func (nopScrubber) Scrub(*Event) {}
