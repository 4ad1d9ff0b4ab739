package core

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

type panicError struct{}

func (panicError) Error() string { panic("boom") }

type ptrError struct{ s string }

func (e *ptrError) Error() string { return e.s }

// TestPrimaryErrorTexts: the primary error leaves the log context; every
// other error found stays there as its text, wherever it was met (nested,
// past the first two), unless a later attribute took its key; a text that
// panics is marked.
func TestPrimaryErrorTexts(t *testing.T) {
	e0, e1, e2, e3 := errors.New("e0"), errors.New("e1"), errors.New("e2"), errors.New("e3")
	var nilErr *ptrError
	tests := []struct {
		name  string
		attrs []slog.Attr
		want  error
		log   map[string]any
	}{
		{"four", []slog.Attr{slog.Any("a", e1), slog.Any("err", e0), slog.Any("b", e2), slog.Any("c", e3)},
			e0, map[string]any{"a": "e1", "b": "e2", "c": "e3"}},
		{"first when none is named error", []slog.Attr{slog.Any("a", e1), slog.Any("b", e2)},
			e1, map[string]any{"b": "e2"}},
		{"key taken later", []slog.Attr{slog.Any("error", e0), slog.Any("a", e1), slog.String("a", "later"), slog.Any("b", e2), slog.Any("b", e3)},
			e0, map[string]any{"a": "later", "b": "e3"}},
		{"nested", []slog.Attr{slog.Group("g", slog.Any("x", e1), slog.Group("h", slog.Any("y", e2))), slog.Any("error", e0)},
			e0, map[string]any{"g": map[string]any{"x": "e1", "h": map[string]any{"y": "e2"}}}},
		{"nested primary", []slog.Attr{slog.Group("g", slog.Any("error", e0)), slog.Any("a", e1)},
			e0, map[string]any{"a": "e1"}},
		{"panicking text", []slog.Attr{slog.Any("error", e0), slog.Any("bad", panicError{})},
			e0, map[string]any{"bad": safeErrorString(panicError{})}},
		{"nil pointer", []slog.Attr{slog.Any("error", e0), slog.Any("nil", nilErr)},
			e0, map[string]any{"nil": safeErrorString(nilErr)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := attrMapping{special: true}
			m.mapAttrs(nil, nil, tt.attrs)
			assert.Equal(t, tt.want, m.primaryError())
			assert.Equal(t, tt.log, m.log)
		})
	}
}
