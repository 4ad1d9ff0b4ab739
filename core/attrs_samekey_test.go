package core

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPrimaryErrorKeyTakenLater: when a later attribute takes the primary
// error's key (logger.With("err", e0) then a record's own "err"), the
// primary error leaves the log context but the later value stays there:
// it was removed with the primary's key, and lost.
func TestPrimaryErrorKeyTakenLater(t *testing.T) {
	e0, e1 := errors.New("e0"), errors.New("e1")
	tests := []struct {
		name       string
		pre, attrs []slog.Attr
		want       error
		log        map[string]any
	}{
		{"an error", []slog.Attr{slog.Any("err", e0)}, []slog.Attr{slog.Any("err", e1)},
			e0, map[string]any{"err": "e1"}},
		{"a text", nil, []slog.Attr{slog.Any("error", e0), slog.String("error", "later")},
			e0, map[string]any{"error": "later"}},
		{"in a group", nil, []slog.Attr{slog.Group("g", slog.Any("error", e0), slog.Int("error", 7))},
			e0, map[string]any{"g": map[string]any{"error": int64(7)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := attrMapping{special: true}
			m.mapAttrs(tt.pre, nil, tt.attrs)
			assert.Equal(t, tt.want, m.primaryError())
			assert.Equal(t, tt.log, m.log)
		})
	}
}
