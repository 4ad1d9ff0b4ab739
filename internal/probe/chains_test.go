package probe_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

func wrapN(err error, n int) error {
	for i := 0; i < n; i++ {
		err = fmt.Errorf("w%d: %w", i, err)
	}
	return err
}

// selfUnwrap is a value error whose Unwrap returns itself.
type selfUnwrap struct{ n int }

func (e selfUnwrap) Error() string { return fmt.Sprint("self ", e.n) }
func (e selfUnwrap) Unwrap() error { return e }

// selfPtr is a pointer error whose Unwrap returns itself.
type selfPtr struct{}

func (e *selfPtr) Error() string { return "self ptr" }
func (e *selfPtr) Unwrap() error { return e }

// nilUnwrap returns nil from Unwrap.
type nilUnwrap struct{}

func (nilUnwrap) Error() string { return "nil unwrap" }
func (nilUnwrap) Unwrap() error { return nil }

// nilGroup returns nil and nil members from Unwrap []error.
type nilGroup struct{}

func (nilGroup) Error() string   { return "nil group" }
func (nilGroup) Unwrap() []error { return []error{nil, errors.New("member"), nil} }

// panicky panics in Error, Unwrap and Cause.
type panicky struct{}

func (panicky) Error() string { panic("Error exploded") }
func (panicky) Unwrap() error { panic("Unwrap exploded") }

// TestProbeTypedNilError: a typed nil error pointer is an exception when
// captured, and through the bridges a marked text (nil pointers are null
// values for the bridges); nothing panics.
func TestProbeTypedNilError(t *testing.T) {
	var typedNil *ptrErr
	c, mt := testclient.New(t, core.Options{})
	c.CaptureException(context.Background(), typedNil)
	ev := oneEvent(t, c, mt)
	require.Len(t, ev.Exception, 1)
	assert.Contains(t, ev.Exception[0].Value, "!PANIC in Error")
	for _, b := range bridges {
		t.Run(b.name, func(t *testing.T) {
			c, mt := testclient.New(t, core.Options{})
			b.make(c)(context.Background(), true, "failed", kv{"error", error(typedNil)})
			ev := oneEvent(t, c, mt)
			assert.Equal(t, "failed", ev.Message.Formatted)
		})
	}
}

// ptrErr has a pointer receiver that dereferences.
type ptrErr struct{ msg string }

func (e *ptrErr) Error() string { return e.msg }

// counter is a value error that unwraps to a new, distinct value each
// time: an endless chain without cycles.
type counter struct{ n int }

func (c counter) Error() string { return fmt.Sprint("counter ", c.n) }
func (c counter) Unwrap() error { return counter{c.n + 1} }

// layer wraps cheaply: its text is its own.
type layer struct{ err error }

func (l *layer) Error() string { return "layer" }
func (l *layer) Unwrap() error { return l.err }

// causer is a pkg/errors-like cause chain.
type causer struct {
	msg   string
	cause error
}

func (c *causer) Error() string { return c.msg + ": " + c.cause.Error() }
func (c *causer) Cause() error  { return c.cause }

func types(ev *core.Event) []string {
	var out []string
	for _, ex := range ev.Exception {
		out = append(out, ex.Type+"="+ex.Value)
	}
	return out
}

func hasCut(ev *core.Event) bool {
	for _, ex := range ev.Exception {
		if ex.Type == "sentrylog.ChainCut" {
			return true
		}
	}
	return false
}

// TestProbeChains: hostile and deep chains through CaptureException and
// every bridge never panic, keep the root cause, and mark cuts.
func TestProbeChains(t *testing.T) {
	var typedNil *ptrErr
	deepJoin := errors.Join(wrapN(errors.New("rootA"), 40), wrapN(errors.New("rootB"), 40))
	var joinOfJoins error = errors.New("leaf")
	for i := 0; i < 30; i++ {
		joinOfJoins = errors.Join(joinOfJoins, fmt.Errorf("j%d", i))
	}
	cases := []struct {
		name  string
		err   error
		roots []string // values that must be among the exceptions
		cut   bool     // a cut marker expected
		total int      // errors in the tree, when finite: kept + cut = total
	}{
		{"40 wraps", wrapN(errors.New("root"), 40), []string{"root"}, true, 41},
		{"4000 wraps", wrapN(errors.New("root"), 4000), []string{"root"}, true, 0},
		{"40 causes", func() error {
			var e error = errors.New("root")
			for i := 0; i < 40; i++ {
				e = &causer{fmt.Sprint("c", i), e}
			}
			return e
		}(), []string{"root"}, true, 41},
		{"join of two deep chains", deepJoin, []string{"rootA", "rootB"}, true, 83},
		// err = errors.Join(err, next), 30 times: one group of 31 errors,
		// the first one, the root cause, kept.
		{"join of joins", joinOfJoins, []string{"leaf", "j0", "j28"}, true, 32},
		{"join of 100", func() error {
			var es []error
			for i := 0; i < 100; i++ {
				es = append(es, fmt.Errorf("e%d", i))
			}
			return errors.Join(es...)
		}(), []string{"e0"}, true, 101},
		{"value self unwrap", fmt.Errorf("outer: %w", selfUnwrap{1}), []string{"self 1"}, false, 2},
		{"pointer self unwrap", fmt.Errorf("outer: %w", &selfPtr{}), []string{"self ptr"}, false, 2},
		{"endless counter", fmt.Errorf("outer: %w", counter{0}), nil, true, 0},
		{"nil unwrap", fmt.Errorf("outer: %w", nilUnwrap{}), []string{"nil unwrap"}, false, 2},
		{"nil group members", fmt.Errorf("outer: %w", nilGroup{}), []string{"member"}, false, 0},
		{"panicking", panicky{}, nil, false, 0},
		{"wrapped panicking", fmt.Errorf("outer: %w", panicky{}), nil, false, 0},
		{"wrapped typed nil", fmt.Errorf("outer: %w", error(typedNil)), nil, false, 2},
		{"join with typed nil", errors.Join(errors.New("a"), typedNil), []string{"a"}, false, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check := func(t *testing.T, ev *core.Event) {
				require.NotEmpty(t, ev.Exception)
				vals := map[string]bool{}
				for _, ex := range ev.Exception {
					vals[ex.Value] = true
				}
				for _, r := range tc.roots {
					assert.True(t, vals[r], "root %q kept: %v", r, types(ev))
				}
				if tc.cut {
					assert.True(t, hasCut(ev), "cut marked: %v", types(ev))
				}
				assert.LessOrEqual(t, len(ev.Exception), 32)
				if tc.total > 0 {
					n := 0
					for _, ex := range ev.Exception {
						if ex.Type == "sentrylog.ChainCut" {
							n += ex.Mechanism.Data["cut"].(int)
						} else {
							n++
						}
					}
					assert.Equal(t, tc.total, n, "every error kept or counted: %v", types(ev))
				}
			}
			t.Run("core", func(t *testing.T) {
				c, mt := testclient.New(t, core.Options{})
				c.CaptureException(context.Background(), tc.err)
				check(t, oneEvent(t, c, mt))
			})
			for _, b := range bridges[:2] { // slog and zap take any error
				t.Run(b.name, func(t *testing.T) {
					c, mt := testclient.New(t, core.Options{})
					b.make(c)(context.Background(), true, "failed", kv{"error", tc.err})
					check(t, oneEvent(t, c, mt))
				})
			}
		})
	}
}

// TestProbePanickingErrorWithRules: ignore rules, storm control and
// BeforeSend meet an error whose Error panics; nothing panics and the event
// is counted.
func TestProbePanickingErrorWithRules(t *testing.T) {
	c, mt := testclient.New(t, core.Options{
		IgnoreErrors: []core.IgnoreRule{core.IgnoreMessage(regexp.MustCompile("^nothing$")), core.IgnoreType[*ptrErr]()},
	})
	c.CaptureException(context.Background(), panicky{})
	c.CaptureException(context.Background(), fmt.Errorf("x: %w", panicky{}))
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 2)
	assert.True(t, strings.HasPrefix(evs[0].Exception[len(evs[0].Exception)-1].Value, "!PANIC"))
}

// TestProbeHugeTreeIsBounded: a Join of 2,000 chains of 2,000 wraps is
// turned into exceptions quickly, within the limits, its cut counted.
func TestProbeHugeTreeIsBounded(t *testing.T) {
	var es []error
	for i := 0; i < 2000; i++ {
		var e error = fmt.Errorf("root %d", i)
		for j := 0; j < 2000; j++ {
			e = &layer{e}
		}
		es = append(es, e)
	}
	err := errors.Join(es...)
	c, mt := testclient.New(t, core.Options{})
	start := time.Now()
	c.CaptureException(context.Background(), err)
	ev := oneEvent(t, c, mt)
	t.Logf("capture and flush: %v", time.Since(start))
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.LessOrEqual(t, len(ev.Exception), 32)
	assert.True(t, hasCut(ev))
}
