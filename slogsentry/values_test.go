package slogsentry_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"log/slog"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/hostile"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

type panicValuer struct{}

func (panicValuer) LogValue() slog.Value { panic("LogValue exploded") }

type nilDeref struct{ name string }

func (n *nilDeref) String() string { return n.name } // panics on a nil receiver

type loopValuer struct{}

func (l loopValuer) LogValue() slog.Value { return slog.AnyValue(l) }

type tagged struct {
	Name   string `json:"name"`
	Secret string `json:"-"`
	N      int    `json:"n"`
}

type node struct {
	Name string `json:"name"`
	Next *node  `json:"next"`
}

func TestAwkwardValues(t *testing.T) {
	l, c, mt := eventLogger(t, slogsentry.Options{})
	cyclic := &node{Name: "a"}
	cyclic.Next = cyclic
	selfMap := map[string]any{"k": 1}
	selfMap["self"] = selfMap
	when := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)

	l.Info("awkward",
		"nil_ptr", (*tagged)(nil),
		"nil_stringer", (*nilDeref)(nil),
		"nil_any", nil,
		"nil_map", map[string]int(nil),
		"bytes", []byte("hello"),
		"binary", []byte{0xff, 0x00, 0xfe},
		"time", when,
		"any_time", slog.AnyValue(when),
		"duration", 1500*time.Millisecond,
		"map", map[string]int{"a": 1},
		"int_keys", map[int]string{7: "seven"},
		"struct", tagged{Name: "n", Secret: "s", N: 3},
		"slice", []int{1, 2},
		"nan", math.NaN(),
		"inf", math.Inf(1),
		"panic_string", hostile.PanicStringer{},
		"panic_json", hostile.PanicJSON{},
		"panic_logvalue", panicValuer{},
		"loop_logvalue", loopValuer{},
		"cyclic", cyclic,
		"self_map", selfMap,
		"func", func() {},
		"chan", make(chan int),
		"complex", complex(1, 2),
		"uint", uint64(math.MaxUint64),
	)
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1, "an event with awkward values is still delivered")
	lc := testclient.LogContext(evs[0])

	assert.Nil(t, lc["nil_ptr"])
	assert.Nil(t, lc["nil_stringer"])
	assert.Nil(t, lc["nil_any"])
	assert.Nil(t, lc["nil_map"])
	assert.Equal(t, "hello", lc["bytes"])
	assert.Equal(t, "/wD+", lc["binary"], "invalid UTF-8 is base64")
	assert.Equal(t, "2026-01-02T03:04:05.000000006Z", lc["time"])
	assert.Equal(t, "2026-01-02T03:04:05.000000006Z", lc["any_time"])
	assert.Equal(t, "1.5s", lc["duration"])
	assert.Equal(t, map[string]any{"a": json.Number("1")}, normalizeNumbers(lc["map"]))
	assert.Equal(t, map[string]any{"7": "seven"}, lc["int_keys"])
	assert.Equal(t, map[string]any{"name": "n", "n": json.Number("3")}, normalizeNumbers(lc["struct"]))
	assert.Len(t, lc["slice"], 2)
	assert.Equal(t, "NaN", lc["nan"])
	assert.Equal(t, "+Inf", lc["inf"])
	assertMarked(t, lc["panic_string"], "String exploded")
	assertMarked(t, lc["panic_json"], "MarshalJSON exploded")
	assert.Equal(t, "!PANIC in LogValue: LogValue exploded", lc["panic_logvalue"])
	assert.Equal(t, "!ERROR: LogValue called too many times", lc["loop_logvalue"])
	assert.NotNil(t, lc["cyclic"])
	assert.NotNil(t, lc["self_map"])
	assert.Equal(t, "func()", lc["func"])
	assert.Equal(t, "chan int", lc["chan"])
	assert.Equal(t, "(1+2i)", lc["complex"])
	assert.Equal(t, uint64(math.MaxUint64), lc["uint"])

	// The whole event still serialises.
	_, err := json.Marshal(evs[0])
	require.NoError(t, err)
}

// assertMarked checks that v is the marked value of a panic with text msg.
func assertMarked(t *testing.T, v any, msg string) {
	t.Helper()
	s, ok := v.(string)
	require.True(t, ok, "%#v is not a marked string", v)
	assert.True(t, strings.HasPrefix(s, "!PANIC in "), s)
	assert.Contains(t, s, msg)
}

// normalizeNumbers turns the numbers of v into json.Number, since the core
// may keep ints or decode them through encoding/json.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeNumbers(e)
		}
		return out
	case int, int64, uint64, float64:
		return json.Number(fmt.Sprint(x))
	}
	return v
}

func TestPanickingErrorValue(t *testing.T) {
	l, c, mt := eventLogger(t, slogsentry.Options{})
	l.Error("bad error", "err", hostile.PanicErr{})
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	b, err := json.Marshal(evs[0])
	require.NoError(t, err)
	assert.Contains(t, string(b), "!PANIC in Error", "the panicking Error is marked")
}

// counter is a LogValuer whose value changes after the logging call.
type counter struct{ n atomic.Int64 }

func (c *counter) LogValue() slog.Value { return slog.Int64Value(c.n.Load()) }

func TestLogValuerResolvedAtTheCall(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	n := new(counter)
	n.n.Store(1)
	l.Info("breadcrumb", "n", n)             // kept in the scope, built into an event later
	l.With("with", n).Error("event", "n", n) // built on the worker
	n.n.Store(2)
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	assert.Equal(t, map[string]any{"with": int64(1), "n": int64(1)}, testclient.LogContext(evs[0]))
	require.Len(t, evs[0].Breadcrumbs, 1)
	assert.Equal(t, map[string]any{"n": int64(1)}, evs[0].Breadcrumbs[0].Data)
}

func TestErrors(t *testing.T) {
	l, c, mt := eventLogger(t, slogsentry.Options{})
	primary := errors.New("primary")
	other := errors.New("other")
	nested := fmt.Errorf("wrapped: %w", errors.New("deep"))

	l.Error("nested", slog.Group("req", slog.Group("db", slog.Any("cause", nested))))
	l.Error("several", "first", other, slog.Group("g", "err", primary))
	l.Error("joined", "error", errors.Join(primary, other))
	l.Error("no error", "k", "v")

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 4)

	// At any depth, under any key.
	require.NotEmpty(t, evs[0].Exception)
	assert.Equal(t, "wrapped: deep", evs[0].Exception[len(evs[0].Exception)-1].Value)
	assert.Equal(t, "nested", evs[0].Message.Formatted)

	// "err" wins over an earlier error at another key; the other stays as text.
	require.NotEmpty(t, evs[1].Exception)
	assert.Equal(t, "primary", evs[1].Exception[len(evs[1].Exception)-1].Value)
	assert.Equal(t, "other", testclient.LogContext(evs[1])["first"])

	// errors.Join: an exception group.
	assert.GreaterOrEqual(t, len(evs[2].Exception), 3)

	// No error: a message event, no exception.
	assert.Empty(t, evs[3].Exception)
	assert.Equal(t, "no error", evs[3].Message.Formatted)
}

func TestCulpritIsTheCallSite(t *testing.T) {
	c, mt := testclient.New(t, core.Options{AttachStacktrace: true})
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	l.Error("message event")
	l.Error("error event", "err", errors.New("boom"))
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 2)

	const me = "github.com/sentrylog/sentrylog/slogsentry_test"
	check := func(st *protocol.Stacktrace) {
		t.Helper()
		require.NotNil(t, st)
		require.NotEmpty(t, st.Frames)
		last := st.Frames[len(st.Frames)-1]
		assert.Equal(t, me, last.Module)
		assert.Equal(t, "TestCulpritIsTheCallSite", last.Function)
		assert.True(t, strings.HasSuffix(last.AbsPath, "values_test.go"), last.AbsPath)
		for _, f := range st.Frames {
			assert.NotEqual(t, "log/slog", f.Module, "slog's frames are not shown")
			assert.NotEqual(t, "github.com/sentrylog/sentrylog/slogsentry", f.Module, "the handler's frames are not shown")
		}
	}
	check(evs[0].Stacktrace)
	assert.Equal(t, []string{"message event"}, evs[0].Fingerprint, "message events group by message")
	require.NotEmpty(t, evs[1].Exception)
	check(evs[1].Exception[len(evs[1].Exception)-1].Stacktrace)
}

// TestWithAttrsValuesFrozen: a map given to WithAttrs and changed later is
// sent as it was when it was given.
func TestWithAttrsValuesFrozen(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	m := map[string]int{"n": 1}
	log := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c})).With("m", m)
	m["n"] = 2
	log.Error("boom")
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	assert.Equal(t, map[string]any{"n": 1}, evs[0].Contexts["log"]["m"])
}
