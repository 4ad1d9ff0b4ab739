//go:build !binary_log

package zerologsentry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
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

func TestLevels(t *testing.T) {
	tests := []struct {
		level zerolog.Level
		crumb bool // a breadcrumb, else an event when want != ""
		want  string
	}{
		{zerolog.TraceLevel, true, "debug"},
		{zerolog.DebugLevel, true, "debug"},
		{zerolog.InfoLevel, true, "info"},
		{zerolog.WarnLevel, true, "warning"},
		{zerolog.ErrorLevel, false, "error"},
		{zerolog.FatalLevel, false, "fatal"},
		{zerolog.PanicLevel, false, "fatal"},
		{zerolog.NoLevel, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			c, mt := testclient.New(t, core.Options{})
			logger, out := newLogger(t, c, zerologsentry.Options{BreadcrumbLevel: zerologsentry.Level(zerolog.TraceLevel)})
			logger = logger.Level(zerolog.TraceLevel)
			// WithLevel writes Fatal and Panic records without exiting or panicking.
			logger.WithLevel(tt.level).Msg("the record")
			logger.Error().Msg("probe")
			require.NotEmpty(t, out.String())
			evs := testclient.Events(t, c, mt)
			switch {
			case tt.want == "":
				require.Len(t, evs, 1)
				assert.Empty(t, testclient.Crumbs(evs[0]))
			case tt.crumb:
				require.Len(t, evs, 1)
				require.Len(t, evs[0].Breadcrumbs, 1)
				assert.Equal(t, "the record", evs[0].Breadcrumbs[0].Message)
				assert.Equal(t, tt.want, evs[0].Breadcrumbs[0].Level.String())
			default:
				require.Len(t, evs, 2)
				assert.Equal(t, "the record", evs[0].Message.Formatted)
				assert.Equal(t, tt.want, evs[0].Level.String())
				assert.Equal(t, "probe", evs[1].Message.Formatted)
			}
		})
	}
}

func TestLevelsOff(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	logger, out := newLogger(t, c, zerologsentry.Options{
		BreadcrumbLevel: zerologsentry.Level(zerologsentry.LevelOff),
		EventLevel:      zerologsentry.Level(zerologsentry.LevelOff),
	})
	logger.Info().Msg("a")
	logger.Error().Msg("b")
	assert.Empty(t, testclient.Events(t, c, mt))
	assert.Contains(t, out.String(), `"message":"b"`)

	c2, mt2 := testclient.New(t, core.Options{})
	logger, _ = newLogger(t, c2, zerologsentry.Options{EventLevel: zerologsentry.Level(zerolog.WarnLevel)})
	logger.Info().Msg("crumb")
	logger.Warn().Msg("event")
	ev := testclient.One(t, c2, mt2)
	assert.Equal(t, "event", ev.Message.Formatted)
	assert.Equal(t, []string{"crumb"}, testclient.Crumbs(ev))
}

func TestNilAndLazyClient(t *testing.T) {
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{})
	logger := zerolog.New(w).Hook(w)
	logger.Error().Ctx(context.Background()).Str("a", "b").Msg("no client: nothing happens")

	c, mt := testclient.New(t, core.Options{})
	core.SetCurrentClient(c)
	t.Cleanup(func() { core.SetCurrentClient(nil) })
	logger.Error().Msg("bound lazily")
	assert.Equal(t, "bound lazily", testclient.One(t, c, mt).Message.Formatted)
}

type point struct{ x, y int }

func (p point) MarshalZerologObject(e *zerolog.Event) { e.Int("x", p.x).Int("y", p.y) }

type stringer struct{}

func (stringer) String() string { return "stringer" }

func TestFieldTypes(t *testing.T) {
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name string
		add  func(e *zerolog.Event) *zerolog.Event
		want string // the "log" context's JSON
	}{
		{"string", func(e *zerolog.Event) *zerolog.Event { return e.Str("k", "v") }, `{"k":"v"}`},
		{"escaped string", func(e *zerolog.Event) *zerolog.Event { return e.Str("k", "a\"b\\c\n\té☃\U0001F600\x00") },
			`{"k":"a\"b\\c\n\té☃\ud83d\ude00\u0000"}`},
		{"int", func(e *zerolog.Event) *zerolog.Event { return e.Int("k", -42) }, `{"k":-42}`},
		{"int64 max", func(e *zerolog.Event) *zerolog.Event { return e.Int64("k", math.MaxInt64) }, `{"k":9223372036854775807}`},
		{"uint64 max", func(e *zerolog.Event) *zerolog.Event { return e.Uint64("k", math.MaxUint64) }, `{"k":18446744073709551615}`},
		{"float", func(e *zerolog.Event) *zerolog.Event { return e.Float64("k", 1.5) }, `{"k":1.5}`},
		{"float NaN", func(e *zerolog.Event) *zerolog.Event { return e.Float64("k", math.NaN()) }, `{"k":"NaN"}`},
		{"bool", func(e *zerolog.Event) *zerolog.Event { return e.Bool("t", true).Bool("f", false) }, `{"t":true,"f":false}`},
		{"duration", func(e *zerolog.Event) *zerolog.Event { return e.Dur("k", 1500*time.Millisecond) }, `{"k":1500}`},
		{"time", func(e *zerolog.Event) *zerolog.Event { return e.Time("k", when) }, `{"k":"2024-05-06T07:08:09Z"}`},
		{"nil", func(e *zerolog.Event) *zerolog.Event { return e.Interface("k", nil) }, `{"k":null}`},
		{"stringer", func(e *zerolog.Event) *zerolog.Event { return e.Stringer("k", stringer{}) }, `{"k":"stringer"}`},
		{"dict", func(e *zerolog.Event) *zerolog.Event {
			return e.Dict("d", zerolog.Dict().Int("n", 1).Dict("inner", zerolog.Dict().Str("s", "x")))
		}, `{"d":{"n":1,"inner":{"s":"x"}}}`},
		{"array of ints", func(e *zerolog.Event) *zerolog.Event { return e.Ints("k", []int{1, 2, 3}) }, `{"k":[1,2,3]}`},
		{"array of strings", func(e *zerolog.Event) *zerolog.Event { return e.Strs("k", []string{"a", "b"}) }, `{"k":["a","b"]}`},
		{"empty array", func(e *zerolog.Event) *zerolog.Event { return e.Ints("k", []int{}) }, `{"k":[]}`},
		{"interface", func(e *zerolog.Event) *zerolog.Event {
			return e.Interface("k", map[string]any{"a": []any{1, "x", map[string]any{"b": nil}}})
		}, `{"k":{"a":[1,"x",{"b":null}]}}`},
		{"raw JSON", func(e *zerolog.Event) *zerolog.Event { return e.RawJSON("k", []byte(` {"x" : [ 1 , true ] } `)) },
			`{"k":{"x":[1,true]}}`},
		{"bytes", func(e *zerolog.Event) *zerolog.Event { return e.Bytes("k", []byte("hi")) }, `{"k":"hi"}`},
		{"other errors", func(e *zerolog.Event) *zerolog.Event { return e.AnErr("cause", errors.New("boom")) }, `{"cause":"boom"}`},
		{"duplicate keys", func(e *zerolog.Event) *zerolog.Event { return e.Int("k", 1).Int("k", 2) }, `{"k":2}`},
		{"object", func(e *zerolog.Event) *zerolog.Event { return e.Object("o", point{1, 2}) }, `{"o":{"x":1,"y":2}}`},
		{"embedded object", func(e *zerolog.Event) *zerolog.Event { return e.EmbedObject(point{3, 4}) }, `{"x":3,"y":4}`},
		{"array of objects", func(e *zerolog.Event) *zerolog.Event {
			return e.Array("a", zerolog.Arr().Object(point{1, 2}).Int(5).Str("s"))
		}, `{"a":[{"x":1,"y":2},5,"s"]}`},
		{"errs", func(e *zerolog.Event) *zerolog.Event { return e.Errs("errs", []error{errors.New("a"), nil}) }, `{"errs":["a",null]}`},
		{"fields map", func(e *zerolog.Event) *zerolog.Event {
			return e.Fields(map[string]any{"b": true, "n": 1.5})
		}, `{"b":true,"n":1.5}`},
		{"ip and hex", func(e *zerolog.Event) *zerolog.Event {
			return e.IPAddr("ip", net.IPv4(10, 0, 0, 1)).Hex("h", []byte{0xca, 0xfe})
		}, `{"ip":"10.0.0.1","h":"cafe"}`},
		{"nested depth", func(e *zerolog.Event) *zerolog.Event {
			return e.RawJSON("deep", []byte(`{"a":{"b":{"c":{"d":[[[1]]]}}}}`))
		}, `{"deep":{"a":{"b":{"c":{"d":[[[1]]]}}}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := testclient.New(t, core.Options{SendDefaultPII: true}) // IP addresses unscrubbed
			logger, _ := newLogger(t, c, zerologsentry.Options{})
			tt.add(logger.Error()).Msg("typed")
			ev := testclient.One(t, c, mt)
			assert.Equal(t, "typed", ev.Message.Formatted)
			got, err := json.Marshal(testclient.LogContext(ev))
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
}

// The same fields on a breadcrumb, kept with their types in its data.
func TestBreadcrumbData(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	logger, _ := newLogger(t, c, zerologsentry.Options{Logger: "app"})
	logger = logger.With().Str("svc", "api").Logger()
	logger.Info().Int("n", 7).Float64("f", 0.25).Dict("d", zerolog.Dict().Bool("b", true)).
		Err(errors.New("soft")).Msg("step")
	logger.Error().Msg("done")
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Breadcrumbs, 1)
	b := ev.Breadcrumbs[0]
	assert.Equal(t, "step", b.Message)
	assert.Equal(t, "app", b.Category)
	got, err := json.Marshal(b.Data)
	require.NoError(t, err)
	assert.JSONEq(t, `{"svc":"api","n":7,"f":0.25,"d":{"b":true},"error":"soft"}`, string(got))
	assert.Equal(t, "app", ev.Logger)
}

func TestTimestamp(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	logger, _ := newLogger(t, c, zerologsentry.Options{})
	old := zerolog.TimeFieldFormat
	t.Cleanup(func() { zerolog.TimeFieldFormat = old })

	when := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	logger.Error().Time(zerolog.TimestampFieldName, when).Msg("rfc3339")
	zerolog.TimeFieldFormat = zerolog.TimeFormatUnixMs
	logger.Error().Time(zerolog.TimestampFieldName, when.Add(123*time.Millisecond)).Msg("unix ms")

	// A timestamp of now keeps the clock's finer reading.
	zerolog.TimeFieldFormat = time.RFC3339
	before := time.Now()
	logger.Error().Timestamp().Msg("now")
	after := time.Now()

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 3)
	assert.True(t, evs[0].Timestamp.Equal(when), evs[0].Timestamp)
	assert.True(t, evs[1].Timestamp.Equal(when.Add(123*time.Millisecond)), evs[1].Timestamp)
	assert.False(t, evs[2].Timestamp.Before(before.Truncate(time.Second)))
	assert.False(t, evs[2].Timestamp.After(after))
	for _, ev := range evs {
		assert.NotContains(t, testclient.LogContext(ev), zerolog.TimestampFieldName)
		assert.NotContains(t, testclient.LogContext(ev), zerolog.LevelFieldName)
		assert.NotContains(t, testclient.LogContext(ev), zerolog.MessageFieldName)
	}
}

// A breadcrumb's time is its timestamp field when zerolog's timestamp hook
// wrote it (right before the message); any other time field stays in its
// data and the breadcrumb is timed when the Writer received it.
func TestBreadcrumbTime(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	logger, _ := newLogger(t, c, zerologsentry.Options{})
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	logger.Info().Time(zerolog.TimestampFieldName, old).Msg("adjacent")
	before := time.Now()
	logger.Info().Time(zerolog.TimestampFieldName, old).Int("n", 1).Msg("not adjacent")
	stamped := logger.With().Timestamp().Logger()
	stamped.Info().Int("n", 2).Msg("hook")
	after := time.Now()
	logger.Error().Msg("event")
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Breadcrumbs, 3)
	assert.True(t, ev.Breadcrumbs[0].Timestamp.Equal(old), ev.Breadcrumbs[0].Timestamp)
	assert.Equal(t, map[string]any{}, nilToEmpty(ev.Breadcrumbs[0].Data))
	b := ev.Breadcrumbs[1]
	assert.False(t, b.Timestamp.Before(before) || b.Timestamp.After(after), b.Timestamp)
	assert.Equal(t, map[string]any{"time": "2020-01-02T03:04:05Z", "n": json.Number("1")}, numbers(t, b.Data))
	b = ev.Breadcrumbs[2]
	assert.False(t, b.Timestamp.Before(before.Truncate(time.Second)) || b.Timestamp.After(after), b.Timestamp)
	assert.Equal(t, map[string]any{"n": json.Number("2")}, numbers(t, b.Data))
}

func nilToEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// numbers round-trips m through JSON, numbers as json.Number.
func numbers(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var out map[string]any
	require.NoError(t, d.Decode(&out))
	return out
}

func TestTags(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	logger, _ := newLogger(t, c, zerologsentry.Options{TagKeys: []string{"route", "http.method"}})
	logger.Error().Str("route", "/x").Dict("http", zerolog.Dict().Str("method", "GET")).
		Dict("tags", zerolog.Dict().Str("team", "core")).Msg("tagged")
	ev := testclient.One(t, c, mt)
	assert.Equal(t, map[string]string{"route": "/x", "http.method": "GET", "team": "core"}, ev.Tags)
}

// Lines that are not JSON are still sent, with their text as the message.
func TestMalformedLines(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	for _, line := range []string{
		"plain text\n", `{"a":`, `{"a":[1,2`, `{"a":"unterminated`, `{"k":tru}`, `{`, `{"a":1}}`, `{"a":"\u12"}`,
		`{"a":{"b":{"c":` + fmt.Sprint(1) + `}}`,
	} {
		_, err := w.WriteLevel(zerolog.ErrorLevel, []byte(line))
		require.NoError(t, err)
	}
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 9)
	assert.Equal(t, "plain text", evs[0].Message.Formatted)
}

// Write without a level reads the line's level field.
func TestWrite(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	_, err := w.Write([]byte(`{"level":"error","message":"via Write"}` + "\n"))
	require.NoError(t, err)
	_, err = w.Write([]byte(`{"message":"no level"}` + "\n"))
	require.NoError(t, err)
	assert.Equal(t, "via Write", testclient.One(t, c, mt).Message.Formatted)
}

// The core's special keys work from zerolog fields.
func TestSpecialKeys(t *testing.T) {
	c, mt := testclient.New(t, core.Options{SendDefaultPII: true})
	logger, _ := newLogger(t, c, zerologsentry.Options{})
	logger.Error().
		Dict("user", zerolog.Dict().Str("id", "u1").Str("email", "a@example.com").Int("plan", 2)).
		Strs("fingerprint", []string{"{{ default }}", "db"}).
		Str("other", "x").
		Msg("special")
	ev := testclient.One(t, c, mt)
	require.NotNil(t, ev.User)
	assert.Equal(t, "u1", ev.User.ID)
	assert.Equal(t, "a@example.com", ev.User.Email)
	assert.Equal(t, []string{"{{ default }}", "db"}, ev.Fingerprint)
	assert.Equal(t, map[string]any{"other": "x"}, testclient.LogContext(ev))
}

// BeforeBreadcrumb sees the breadcrumb's fields, decoded on the spot.
func TestBeforeBreadcrumb(t *testing.T) {
	var seen map[string]any
	c, mt := testclient.New(t, core.Options{BeforeBreadcrumb: func(b *core.Breadcrumb, _ *core.Hint) *core.Breadcrumb {
		seen = b.Data
		if b.Message == "drop me" {
			return nil
		}
		return b
	}})
	logger, _ := newLogger(t, c, zerologsentry.Options{})
	logger.Info().Str("k", "v").Dict("d", zerolog.Dict().Int("n", 1)).Msg("keep me")
	assert.Equal(t, map[string]any{"k": "v", "d": map[string]any{"n": int64(1)}}, seen)
	logger.Info().Msg("drop me")
	logger.Error().Msg("event")
	assert.Equal(t, []string{"keep me"}, testclient.Crumbs(testclient.One(t, c, mt)))
}

// A breadcrumb line whose message is not its last field (written by another
// JSON logger through Write) keeps the message in its data.
func TestBreadcrumbMessageElsewhere(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	_, err := w.Write([]byte(`{"message":"first","level":"info","n":1}` + "\n"))
	require.NoError(t, err)
	_, err = w.WriteLevel(zerolog.ErrorLevel, []byte(`{"level":"error","message":"event"}`))
	require.NoError(t, err)
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Breadcrumbs, 1)
	assert.Equal(t, "", ev.Breadcrumbs[0].Message)
	assert.Equal(t, map[string]any{"message": "first", "n": json.Number("1")}, numbers(t, ev.Breadcrumbs[0].Data))
}
