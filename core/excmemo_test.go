package core

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/internal/schematest"
)

// mutableErr changes its text after it is made: the memo must not keep
// an old text for it.
type mutableErr struct{ msg string }

func (e *mutableErr) Error() string { return e.msg }

// dynTyped names an exception type of its own that it is given.
type dynTyped struct{ typ, mod string }

func (e dynTyped) Error() string                   { return "stand-in" }
func (e dynTyped) ExceptionType() (string, string) { return e.typ, e.mod }

// panicky's Error panics with its value.
type panicky struct{ v string }

func (e panicky) Error() string { panic(e.v) }

// withCallers carries a stack of its own.
type withCallers struct{ pcs []uintptr }

func (e withCallers) Error() string      { return "with callers" }
func (e withCallers) Callers() []uintptr { return e.pcs }

//go:noinline
func callersA() []uintptr { return stackPCs(nil, 0) }

//go:noinline
func callersB() []uintptr { return stackPCs(nil, 0) }

// excJSON is the exceptions of ev as JSON, for comparison.
func excJSON(t *testing.T, ev *Event) string {
	t.Helper()
	b, err := json.Marshal(ev.Exception)
	require.NoError(t, err)
	return string(b)
}

// TestExcMemoSameEvents: exceptions made final once and shared give the
// same events as exceptions made for each event, for errors of many
// shapes logged again and again, errors with the same text but another
// sentinel, an error whose text changes, secrets in error texts, an error
// over the value limit, a deep chain, and a sentinel registered between
// two captures.
func TestExcMemoSameEvents(t *testing.T) {
	memo, plain, mt, pt := memoPair(t)
	stackA, stackB := callersA(), callersB()
	mut := &mutableErr{"first text"}
	declinedLookalike := errors.New("card declined") // errDeclined's text, not errDeclined
	var deep error = errors.New("root")
	for i := range 40 {
		deep = fmt.Errorf("w%d: %w", i, deep)
	}
	makers := []func(i int) error{
		func(int) error { return fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows)) },
		func(i int) error { return fmt.Errorf("user %d: %w", i%2, sql.ErrNoRows) },
		func(int) error { return fmt.Errorf("charge: %w", errDeclined) },
		func(int) error { return fmt.Errorf("charge: %w", declinedLookalike) },
		func(int) error { return mut },
		func(int) error { return fmt.Errorf("auth: token=sk_live_abcdefghijklmnop1234 rejected: %w", io.EOF) },
		func(int) error { return errors.New(strings.Repeat("long ", 3000)) },
		func(int) error { return deep },
		func(i int) error {
			return errors.Join(&fs.PathError{Op: "open", Path: "/etc/x", Err: fs.ErrPermission}, context.Canceled)
		},
		func(i int) error { return fmt.Errorf("replayed: %w", &typedStandIn{"bad state"}) },
		func(i int) error { return pkgWrap(sql.ErrNoRows, "load") },
		func(i int) error { return dynTyped{[]string{"a.Err", "b.Err"}[i%2], "a"} },
		func(i int) error { return dynTyped{"a.Err", []string{"a", "b"}[i%2]} },
		func(i int) error { return fmt.Errorf("p: %w", panicky{[]string{"x", "y"}[i%2]}) },
		func(i int) error { return withCallers{[][]uintptr{stackA, stackB}[i%2]} },
	}
	capture := func(c *Client, i int) {
		for j, mk := range makers {
			c.captureRecord(&record{Level: LevelError, Message: "failed", Origin: "auto.log.test",
				Attrs: []slog.Attr{slog.Any("error", mk(i)), slog.Int("j", j)}, GiveAttrs: true})
		}
	}
	for round := range 3 {
		for _, c := range []*Client{memo, plain} {
			capture(c, round)
			require.True(t, c.Flush(context.Background()))
		}
		mut.msg = fmt.Sprintf("text %d", round)
	}
	// A sentinel registered now names the lookalike's events after it.
	require.NoError(t, RegisterSentinel(declinedLookalike, "shop.ErrDeclinedLookalike"))
	for _, c := range []*Client{memo, plain} {
		capture(c, 9)
		require.True(t, c.Flush(context.Background()))
	}
	me, pe := mt.Events(), pt.Events()
	require.Len(t, me, 4*len(makers))
	require.Len(t, pe, len(me))
	for i := range me {
		assert.JSONEq(t, excJSON(t, pe[i]), excJSON(t, me[i]), "event %d", i)
	}
	all := ""
	for _, ev := range me {
		all += excJSON(t, ev)
	}
	assert.NotContains(t, all, "sk_live_abcdefghijklmnop1234")
	assert.Contains(t, all, "text 1", "a changed text is not served from the memo")
	assert.Contains(t, all, "shop.ErrDeclinedLookalike")
	assert.Contains(t, all, "sentrylog.ChainCut")
	// Later rounds share the first round's lists.
	n := len(makers)
	assert.Same(t, &me[0].Exception[0], &me[n].Exception[0], "a repeated error shares its exceptions")
	for _, ev := range me {
		b, err := marshalEvent(ev)
		require.NoError(t, err)
		schematest.Validate(t, b)
	}
}

// TestExcMemoKeepsNoLongText: an error whose text is over maxExcMemoText
// is built for each event and not kept by the memo, which would hold it
// after its event is gone.
func TestExcMemoKeepsNoLongText(t *testing.T) {
	memo, _, mt, _ := memoPair(t)
	long := errors.New(strings.Repeat("x", maxExcMemoText+1))
	short := errors.New("short")
	for range 2 {
		for _, err := range []error{long, short} {
			memo.captureRecord(&record{Level: LevelError, Message: "failed",
				Attrs: []slog.Attr{slog.Any("error", err)}, GiveAttrs: true})
		}
	}
	require.True(t, memo.Flush(context.Background()))
	require.Len(t, mt.Events(), 4)
	kept := 0
	for _, e := range memo.memo.exc {
		for _, a := range e.atoms {
			assert.Less(t, len(a.value), maxExcMemoText, "a long text is not kept")
		}
		kept++
	}
	assert.Equal(t, 1, kept, "the short error's list is kept")
	assert.Contains(t, mt.Events()[2].Exception[0].Value, "xxx")
}
