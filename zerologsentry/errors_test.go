//go:build !binary_log

package zerologsentry_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"io"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// setStackMarshaler sets zerolog's global stack marshaler for one test.
func setStackMarshaler(t *testing.T, m func(error) any) {
	old := zerolog.ErrorStackMarshaler
	zerolog.ErrorStackMarshaler = m
	t.Cleanup(func() { zerolog.ErrorStackMarshaler = old })
}

// functions returns the frames' functions, outermost first.
func functions(st *protocol.Stacktrace) []string {
	if st == nil {
		return nil
	}
	var out []string
	for _, f := range st.Frames {
		out = append(out, f.Module+"."+f.Function)
	}
	return out
}

func assertUserStack(t *testing.T, st *protocol.Stacktrace, caller string) {
	t.Helper()
	fns := functions(st)
	require.NotEmpty(t, fns)
	assert.Equal(t, "github.com/sentrylog/sentrylog/zerologsentry_test."+caller, fns[len(fns)-1], "the culprit is the logging call")
	for _, fn := range fns {
		assert.False(t, strings.HasPrefix(fn, "github.com/rs/zerolog"), fn)
		assert.False(t, strings.HasPrefix(fn, "github.com/sentrylog/sentrylog/zerologsentry."), fn)
	}
}

var errRoot = errors.New("unexpected EOF")

func logWrapped(logger zerolog.Logger) {
	err := fmt.Errorf("load config: %w", fmt.Errorf("read: %w", errRoot))
	logger.Error().Err(err).Str("file", "app.yaml").Msg("startup failed")
}

// Without a stack marshaler only the error's text survives zerolog's JSON.
func TestErrorText(t *testing.T) {
	setStackMarshaler(t, nil)
	c, mt := testclient.New(t, core.Options{})
	logger, out := newLogger(t, c, zerologsentry.Options{})
	logWrapped(logger)
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Exception, 1)
	ex := ev.Exception[0]
	assert.Equal(t, "error", ex.Type, "the real type is unknown; the stand-in does not name itself")
	assert.Empty(t, ex.Module)
	assert.Equal(t, "load config: read: unexpected EOF", ex.Value)
	assert.Equal(t, zerologsentry.Origin, ex.Mechanism.Type)
	assertUserStack(t, ex.Stacktrace, "logWrapped")
	assert.Equal(t, map[string]any{"file": "app.yaml"}, testclient.LogContext(ev))
	assert.Equal(t, "startup failed", ev.Message.Formatted)
	assert.Contains(t, out.String(), `"error":"load config: read: unexpected EOF"`)
}

// With MarshalStack the error reaches the core whole: types and chain.
func TestMarshalStack(t *testing.T) {
	setStackMarshaler(t, zerologsentry.MarshalStack)
	c, mt := testclient.New(t, core.Options{})
	logger, out := newLogger(t, c, zerologsentry.Options{})
	logWrapped(logger.With().Stack().Logger())
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Exception, 3)
	assert.Equal(t, "*errors.errorString", ev.Exception[0].Type)
	assert.Equal(t, "unexpected EOF", ev.Exception[0].Value)
	assert.Equal(t, "*fmt.wrapError", ev.Exception[2].Type)
	assert.Equal(t, "load config: read: unexpected EOF", ev.Exception[2].Value)
	assertUserStack(t, ev.Exception[2].Stacktrace, "logWrapped")
	assert.Equal(t, map[string]any{"file": "app.yaml"}, testclient.LogContext(ev), "no stack field among the attributes")

	// The output has the frames, without the marker.
	line := out.String()
	assert.NotContains(t, line, `\u0000`)
	assert.Contains(t, line, `"stack":[{"func":"github.com/sentrylog/sentrylog/zerologsentry_test.logWrapped","source":"`)
}

// An error that recorded its own stack keeps it.
type stackErr struct {
	msg string
	pcs []uintptr
}

func (e *stackErr) Error() string      { return e.msg }
func (e *stackErr) Callers() []uintptr { return e.pcs }

func TestMarshalStackOwnStack(t *testing.T) {
	setStackMarshaler(t, zerologsentry.MarshalStack)
	c, mt := testclient.New(t, core.Options{})
	logger, out := newLogger(t, c, zerologsentry.Options{})
	err := fmt.Errorf("wrapped: %w", makeStackErr())
	logger.Error().Stack().Err(err).Msg("own stack")
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Exception, 2)
	assert.Equal(t, "*zerologsentry_test.stackErr", ev.Exception[0].Type)
	assert.Contains(t, functions(ev.Exception[0].Stacktrace), "github.com/sentrylog/sentrylog/zerologsentry_test.makeStackErr")
	assert.Contains(t, out.String(), `"func":"github.com/sentrylog/sentrylog/zerologsentry_test.makeStackErr"`)
}

//go:noinline
func makeStackErr() error {
	pcs := make([]uintptr, 32)
	pcs = pcs[:runtimeCallers(1, pcs)]
	return &stackErr{msg: "made here", pcs: pcs}
}

// Another marshaler's frames (zerolog's pkgerrors format: innermost first,
// line as a string) become the exception's stack.
func TestForeignStackMarshaler(t *testing.T) {
	setStackMarshaler(t, func(error) any {
		return []map[string]string{
			{"func": "example.com/app/db.query", "source": "/src/app/db/query.go", "line": "42"},
			{"func": "main.main", "source": "main.go", "line": "7"},
		}
	})
	c, mt := testclient.New(t, core.Options{InAppInclude: []string{"example.com/app"}})
	logger, _ := newLogger(t, c, zerologsentry.Options{})
	logger.Error().Stack().Err(errors.New("no rows")).Msg("query failed")
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Exception, 1)
	st := ev.Exception[0].Stacktrace
	require.NotNil(t, st)
	require.Len(t, st.Frames, 2)
	assert.Equal(t, protocol.Frame{Function: "main", Module: "main", Filename: "main.go", Lineno: 7, InApp: true}, st.Frames[0])
	assert.Equal(t, protocol.Frame{
		Function: "query", Module: "example.com/app/db", Filename: "example.com/app/db/query.go",
		AbsPath: "/src/app/db/query.go", Lineno: 42, InApp: true,
	}, st.Frames[1])
}

// A stack field that holds no frames stays an attribute.
func TestStackFieldNotFrames(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	logger, _ := newLogger(t, c, zerologsentry.Options{})
	logger.Error().Str(zerolog.ErrorStackFieldName, "opaque").Msg("no error")
	ev := testclient.One(t, c, mt)
	assert.Empty(t, ev.Exception)
	assert.Equal(t, map[string]any{"stack": "opaque"}, testclient.LogContext(ev))
}

// A stack field that holds no frames beside an error stays an attribute too.
func TestStackFieldNotFramesWithError(t *testing.T) {
	setStackMarshaler(t, func(error) any { return "no frames here" })
	c, mt := testclient.New(t, core.Options{})
	logger, _ := newLogger(t, c, zerologsentry.Options{})
	logger.Error().Stack().Err(errors.New("e")).Msg("opaque stack")
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Exception, 1)
	assertUserStack(t, ev.Exception[0].Stacktrace, "TestStackFieldNotFramesWithError")
	assert.Equal(t, map[string]any{"stack": "no frames here"}, testclient.LogContext(ev))
}

// A marshaler that returns nothing, and a nil error, are harmless.
func TestMarshalStackNil(t *testing.T) {
	setStackMarshaler(t, zerologsentry.MarshalStack)
	assert.Nil(t, zerologsentry.MarshalStack(nil))
	c, mt := testclient.New(t, core.Options{})
	logger, out := newLogger(t, c, zerologsentry.Options{})
	logger.Error().Stack().Err(nil).Msg("nil error")
	ev := testclient.One(t, c, mt)
	assert.Empty(t, ev.Exception)
	assert.NotContains(t, out.String(), "stack")
}

// Storm control groups events as Sentry does: a message event by its
// message, wherever it is logged; an error by its types and in-app frames,
// so the same error from two functions is two groups.
func TestCallSiteGroups(t *testing.T) {
	c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{GroupBurst: 1, GroupRate: 1e-9}})
	logger, _ := newLogger(t, c, zerologsentry.Options{})
	for i := 0; i < 3; i++ {
		logger.Error().Msg("same message") // one group: only the first passes
	}
	logger.Error().Msg("same message") // another site, the same message: the same group
	for i := 0; i < 3; i++ {
		logErrorA(logger) // one group: only the first passes
	}
	logErrorB(logger) // the same error from another function: another group
	assert.Len(t, testclient.Events(t, c, mt), 3)
}

// The error MarshalStack saw goes only to the line it wrote the stack of:
// a line with the same frames and another error text (written by hand
// here) gets the text, not the other line's error.
func TestMarshalStackErrorStaysWithItsLine(t *testing.T) {
	setStackMarshaler(t, zerologsentry.MarshalStack)
	c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{Disabled: true}})
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	var other bytes.Buffer
	unrelated := zerolog.New(&other)
	unrelated.Error().Stack().Err(fmt.Errorf("secret of request A: %w", io.EOF)).Msg("a")
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(other.Bytes(), &m))
	line := `{"level":"error","stack":` + string(m["stack"]) + `,"error":"request B","message":"b"}` + "\n"
	_, err := w.WriteLevel(zerolog.ErrorLevel, []byte(line))
	require.NoError(t, err)
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Exception, 1)
	assert.Equal(t, "error", ev.Exception[0].Type)
	assert.Equal(t, "request B", ev.Exception[0].Value)
}

var errGroups = errors.New("unavailable")

//go:noinline
func logErrorA(l zerolog.Logger) { l.Error().Err(errGroups).Msg("failed") }

//go:noinline
func logErrorB(l zerolog.Logger) { l.Error().Err(errGroups).Msg("failed") }
