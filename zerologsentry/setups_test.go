//go:build !binary_log

package zerologsentry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// setup is one way a program puts the Writer in its logger. logger returns
// the program's logger writing its own output to out, with sentrylog
// (w made by the setup) or, for w nil, the same logger without it.
type setup struct {
	name string
	// context says the set-up carries the records' contexts.
	context bool
	logger  func(out io.Writer, c *core.Client, sentry bool) zerolog.Logger
}

// setups are the set-ups the package doc and the README show, and the ones
// a zerolog user writes.
var setups = []setup{
	{"wrapped", true, func(out io.Writer, c *core.Client, sentry bool) zerolog.Logger {
		if !sentry {
			return zerolog.New(out)
		}
		w := zerologsentry.NewWriter(out, zerologsentry.Options{Client: c})
		return zerolog.New(w).Hook(w)
	}},
	{"MultiLevelWriter(out, w)", true, func(out io.Writer, c *core.Client, sentry bool) zerolog.Logger {
		if !sentry {
			return zerolog.New(out)
		}
		w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
		return zerolog.New(zerolog.MultiLevelWriter(out, w)).Hook(w)
	}},
	{"MultiLevelWriter(w, out)", true, func(out io.Writer, c *core.Client, sentry bool) zerolog.Logger {
		if !sentry {
			return zerolog.New(out)
		}
		w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
		return zerolog.New(zerolog.MultiLevelWriter(w, out)).Hook(w)
	}},
	{"wrapped ConsoleWriter", true, func(out io.Writer, c *core.Client, sentry bool) zerolog.Logger {
		cw := zerolog.ConsoleWriter{Out: out, NoColor: true}
		if !sentry {
			return zerolog.New(cw)
		}
		w := zerologsentry.NewWriter(cw, zerologsentry.Options{Client: c})
		return zerolog.New(w).Hook(w)
	}},
	{"MultiLevelWriter(ConsoleWriter, w)", true, func(out io.Writer, c *core.Client, sentry bool) zerolog.Logger {
		cw := zerolog.ConsoleWriter{Out: out, NoColor: true}
		if !sentry {
			return zerolog.New(cw)
		}
		w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
		return zerolog.New(zerolog.MultiLevelWriter(cw, w)).Hook(w)
	}},
	{"SyncWriter around w", true, func(out io.Writer, c *core.Client, sentry bool) zerolog.Logger {
		if !sentry {
			return zerolog.New(zerolog.SyncWriter(out))
		}
		w := zerologsentry.NewWriter(out, zerologsentry.Options{Client: c})
		return zerolog.New(zerolog.SyncWriter(w)).Hook(w)
	}},
	// Logger.Output keeps the hooks and drops the Writer: nothing reaches
	// Sentry, the output is untouched.
	{"Output after the hook", false, func(out io.Writer, c *core.Client, sentry bool) zerolog.Logger {
		if !sentry {
			return zerolog.New(out)
		}
		w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
		return zerolog.New(w).Hook(w).Output(out)
	}},
	// A logger of the same program that has nothing to do with sentrylog,
	// while MarshalStack is the stack marshaler.
	{"unrelated logger", false, func(out io.Writer, _ *core.Client, _ bool) zerolog.Logger {
		return zerolog.New(out)
	}},
	// An asynchronous writer in front of the Writer: the line reaches it on
	// another goroutine, without its context.
	{"asynchronous writer in front", false, func(out io.Writer, c *core.Client, sentry bool) zerolog.Logger {
		if !sentry {
			return zerolog.New(out)
		}
		w := zerologsentry.NewWriter(out, zerologsentry.Options{Client: c})
		return zerolog.New(asyncWriter{w}).Hook(w)
	}},
}

// fixTime makes zerolog's timestamps the same for both loggers.
func fixTime(t testing.TB) {
	old := zerolog.TimestampFunc
	zerolog.TimestampFunc = func() time.Time { return time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC) }
	t.Cleanup(func() { zerolog.TimestampFunc = old })
}

// In every set-up the program's own output is byte for byte what zerolog
// writes without sentrylog, with and without MarshalStack, and no record
// of a request reaches the global scope. The set-ups that carry contexts
// put each request's breadcrumbs and user on its events.
func TestSetupsOutputUnchanged(t *testing.T) {
	fixTime(t)
	for _, marshaler := range []struct {
		name string
		fn   func(error) any
	}{{"no stack marshaler", nil}, {"MarshalStack", zerologsentry.MarshalStack}} {
		for _, s := range setups {
			t.Run(marshaler.name+"/"+s.name, func(t *testing.T) {
				setStackMarshaler(t, marshaler.fn)
				c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{Disabled: true}})
				var want, got bytes.Buffer
				ctx := core.NewIsolationScope(context.Background())
				core.IsolationScope(ctx).SetUser(&core.User{ID: "alice"})
				for _, sentry := range []bool{false, true} {
					out := &want
					if sentry {
						out = &got
					}
					// One call site, so that the stacks are the same.
					l := s.logger(out, c, sentry).Level(zerolog.TraceLevel).With().Timestamp().Logger()
					logWorkload(l, ctx)
				}
				require.NotEmpty(t, want.String())
				assert.Equal(t, want.String(), got.String())
				if marshaler.fn != nil && !strings.Contains(s.name, "Console") {
					assertFramesOnly(t, got.String())
				}

				assert.Empty(t, c.Scope().Breadcrumbs(), "no request's record on the global scope")
				evs := testclient.Events(t, c, mt)
				if !s.context {
					for _, ev := range evs {
						assert.Nil(t, ev.User)
					}
					return
				}
				require.Len(t, evs, 4)
				for _, ev := range evs {
					if len(ev.Exception) > 0 && ev.Exception[0].Value == "no context" {
						assert.Nil(t, ev.User)
						continue
					}
					require.NotNil(t, ev.User)
					assert.Equal(t, "alice", ev.User.ID)
				}
			})
		}
	}
}

// assertFramesOnly checks that every stack array in the JSON lines holds
// frames, and nothing else.
func assertFramesOnly(t *testing.T, out string) {
	t.Helper()
	stacks := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		st, ok := m["stack"]
		if !ok {
			continue
		}
		stacks++
		frames, ok := st.([]any)
		require.True(t, ok, line)
		require.NotEmpty(t, frames, line)
		for _, f := range frames {
			fm, ok := f.(map[string]any)
			require.True(t, ok, "not a frame: %v", f)
			assert.Len(t, fm, 3)
			assert.Contains(t, fm, "func")
		}
	}
	assert.Positive(t, stacks)
}

// FuzzSetups logs fuzzed keys, strings and levels in every set-up and
// compares the program's output with zerolog's alone.
func FuzzSetups(f *testing.F) {
	f.Add("k", "v", uint8(4), true)
	f.Add("\x00sentrylog", "#1", uint8(2), false)
	f.Add("stack", "\u2028<&>", uint8(4), true)
	f.Add("message", "", uint8(3), true)
	f.Add("level", "\xff", uint8(0), false)
	c, _ := testclient.New(f, core.Options{Storm: core.StormOptions{Disabled: true}, MaxBreadcrumbs: 5})
	f.Fuzz(func(t *testing.T, key, s string, level uint8, stack bool) {
		lvl := fuzzLineLevels[int(level)%len(fuzzLineLevels)]
		old := zerolog.ErrorStackMarshaler
		zerolog.ErrorStackMarshaler = nil
		if stack {
			zerolog.ErrorStackMarshaler = zerologsentry.MarshalStack
		}
		defer func() { zerolog.ErrorStackMarshaler = old }()
		ctx := core.NewIsolationScope(context.Background())
		for _, st := range setups {
			var want, got bytes.Buffer
			for _, sentry := range []bool{false, true} {
				out := &want
				if sentry {
					out = &got
				}
				l := st.logger(out, c, sentry).With().Str(key, s).Logger()
				l.WithLevel(lvl).Ctx(ctx).Str(key, s).Stack().Err(errors.New(s)).
					Dict("d", zerolog.Dict().Str(key, s)).Msg(s)
			}
			if !bytes.Equal(want.Bytes(), got.Bytes()) {
				t.Fatalf("%s: output differs\nwant: %q\n got: %q", st.name, want.Bytes(), got.Bytes())
			}
		}
		if n := len(c.Scope().Breadcrumbs()); n != 0 {
			t.Fatalf("%d breadcrumbs on the global scope", n)
		}
	})
}
