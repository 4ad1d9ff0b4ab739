package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/schematest"
)

// delivered flushes c and returns its n events, not yet validated: the
// tests validate them against the schema after their own assertions.
func delivered(t *testing.T, c *core.Client, mt *core.MemoryTransport, n int) []*core.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.True(t, c.Flush(ctx), "flush: %+v", c.Stats())
	evs := mt.Events()
	require.Len(t, evs, n)
	return evs
}

// encodedSize is the size of ev's event item.
func encodedSize(t *testing.T, ev *core.Event) int {
	t.Helper()
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	return len(b)
}

func validate(t *testing.T, evs ...*core.Event) {
	t.Helper()
	for _, ev := range evs {
		schematest.ValidateValue(t, ev)
	}
}

func record(ctx context.Context, msg string, attrs ...slog.Attr) *core.Record {
	return &core.Record{Level: core.LevelError, Message: msg, Context: ctx, Time: time.Now(), Attrs: attrs}
}

// A secret that straddles a limit is scrubbed whole: values are cut after
// the scrubber has seen them (default client, default scrubber).
func TestSecretsStraddlingACutAreScrubbed(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	const aws = "AKIAIOSFODNN7EXAMPLE"
	const card = "4111 1111 1111 1111"
	const url = "postgres://admin:s3cretpw@db.internal:5432/app"

	// A tag value over 200 bytes: the key starts at byte 196.
	ctx := core.NewIsolationScope(context.Background())
	core.SetTag(ctx, "creds", strings.Repeat("a", 195)+" "+aws)
	c.CaptureMessage(ctx, "tag", core.LevelError)

	// Messages of 8,192 bytes: the card's 14th digit at the limit, the
	// URL's '@' just after it.
	cardMsg := strings.Repeat("x", 8192-len("card 4111 1111 1111 11")) + "card " + card + " declined"
	c.CaptureMessage(context.Background(), cardMsg, core.LevelError)
	urlMsg := strings.Repeat("x", 8192-len(" dial postgres://admin:s3cretpw")) + " dial " + url
	c.CaptureRecord(record(context.Background(), urlMsg))

	evs := delivered(t, c, mt, 3)
	tag := evs[0].Tags["creds"]
	assert.LessOrEqual(t, len(tag), 200)
	assert.NotContains(t, tag, "AKIA")
	assert.Contains(t, tag, "...[truncated from")
	for _, ev := range evs[1:] {
		text := ev.Message.Formatted
		assert.LessOrEqual(t, len(text), 8192)
		assert.Contains(t, text, "...[truncated from")
		assert.NotContains(t, text, "4111 1111")
		assert.NotContains(t, text, "s3cretpw")
		assert.NotContains(t, text, "[Filt]", "never cut inside a marker")
	}
	validate(t, evs...)
}

// One huge value is cut; the event's other attributes, its scope contexts
// and its breadcrumbs survive.
func TestHugeValueIsCutContextSurvives(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	ctx := core.NewIsolationScope(context.Background())
	core.SetContext(ctx, "order", map[string]any{"id": "o-123", "total": 42})
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "loaded the cart"})
	c.CaptureRecord(record(ctx, "huge",
		slog.Any("error", errors.New("boom")),
		slog.String("payload", strings.Repeat("x", 2<<20)),
		slog.String("order_id", "o-123")))

	ev := delivered(t, c, mt, 1)[0]
	log := ev.Contexts["log"]
	assert.Equal(t, "o-123", log["order_id"])
	payload, _ := log["payload"].(string)
	assert.LessOrEqual(t, len(payload), 8192)
	assert.True(t, strings.HasSuffix(payload, "...[truncated from 2097152 bytes]"), "marked with the original length")
	assert.Equal(t, map[string]any{"id": "o-123", "total": 42}, ev.Contexts["order"])
	require.Len(t, ev.Breadcrumbs, 1)
	assert.Equal(t, "boom", ev.Exception[len(ev.Exception)-1].Value)
	assert.Less(t, encodedSize(t, ev), 1<<20)
	validate(t, ev)
}

// Collections are cut to 1,000 elements, the last saying how many there
// were; maps keep their first keys in order.
func TestLargeCollectionsAreCut(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	strs := make([]string, 1_000_000)
	anys := make([]any, 1_000_000)
	for i := range strs {
		strs[i] = "s"
		anys[i] = i
	}
	m := map[string]any{}
	for i := range 5000 {
		m[fmt.Sprintf("k%05d", i)] = i
	}
	typed := map[int]string{}
	for i := range 1500 {
		typed[i] = "v"
	}
	c.CaptureRecord(record(context.Background(), "lists",
		slog.Any("strings", strs), slog.Any("anys", anys), slog.Any("map", m), slog.Any("ints", make([]int, 2000)),
		slog.Any("typed", typed)))
	ctx := core.NewIsolationScope(context.Background())
	core.SetContext(ctx, "scope", map[string]any{"list": anys, "map": m})
	c.CaptureMessage(ctx, "scope", core.LevelError)

	evs := delivered(t, c, mt, 2)
	log := evs[0].Contexts["log"]
	for _, key := range []string{"strings", "anys"} {
		l, ok := log[key].([]any)
		require.True(t, ok, key)
		assert.Len(t, l, 1000, key)
		assert.Equal(t, "...[truncated from 1000000 items]", l[999], key)
	}
	assert.Equal(t, "...[truncated from 2000 items]", log["ints"].([]any)[999])
	lm := log["map"].(map[string]any)
	assert.Len(t, lm, 1000)
	assert.Equal(t, "truncated from 5000 keys", lm["..."])
	assert.Contains(t, lm, "k00998")
	assert.NotContains(t, lm, "k00999")
	tm := log["typed"].(map[string]any)
	assert.Len(t, tm, 1000)
	assert.Equal(t, "truncated from 1500 keys", tm["..."])
	assert.Contains(t, tm, "0")
	assert.Contains(t, tm, "1000", "the first keys in order of their text")

	sc := evs[1].Contexts["scope"]
	assert.Len(t, sc["list"], 1000)
	assert.Equal(t, "...[truncated from 1000000 items]", sc["list"].([]any)[999])
	assert.Len(t, sc["map"], 1000)
	assert.Equal(t, 1000, len(m)/5, "the scope's own map is not changed")
	validate(t, evs...)
}

// Identity fields and the fingerprint have limits of their own: a 10 MB
// user id or fingerprint no longer makes the event too large to send.
func TestFieldLimits(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	huge := strings.Repeat("u", 10<<20)
	c.CaptureRecord(record(context.Background(), "fields",
		slog.String("user.id", huge), slog.String("user.email", huge+"@example.com"),
		slog.String("user.username", huge), slog.Any("fingerprint", []string{huge, "b"})))
	c.CaptureEvent(context.Background(), &core.Event{
		Logger: huge, Transaction: huge, Release: huge, Environment: huge,
		Message:   &core.LogEntry{Message: huge, Formatted: huge},
		Exception: []core.Exception{{Type: huge, Module: huge, Value: huge}},
		Tags:      map[string]string{huge: huge, "ok": "line\nbreak"},
		Request:   &core.Request{URL: "https://example.com/" + huge, Headers: map[string]string{"X-Big": huge}},
	})
	evs := delivered(t, c, mt, 2)
	u := evs[0].User
	assert.LessOrEqual(t, len(u.ID), 128)
	assert.LessOrEqual(t, len(u.Username), 128)
	assert.LessOrEqual(t, len(u.Email), 75)
	assert.Contains(t, u.ID, "...[truncated from 10485760 bytes]")
	require.Len(t, evs[0].Fingerprint, 2)
	assert.LessOrEqual(t, len(evs[0].Fingerprint[0]), 512)
	assert.Equal(t, "b", evs[0].Fingerprint[1])

	ev := evs[1]
	assert.LessOrEqual(t, len(ev.Logger), 64)
	assert.LessOrEqual(t, len(ev.Environment), 64)
	assert.LessOrEqual(t, len(ev.Transaction), 200)
	assert.LessOrEqual(t, len(ev.Release), 200)
	assert.LessOrEqual(t, len(ev.Message.Message), 8192)
	assert.LessOrEqual(t, len(ev.Message.Formatted), 8192)
	assert.LessOrEqual(t, len(ev.Exception[0].Type), 256)
	assert.LessOrEqual(t, len(ev.Exception[0].Value), 8192)
	assert.LessOrEqual(t, len(ev.Request.URL), 8192)
	assert.LessOrEqual(t, len(ev.Request.Headers["X-Big"]), 8192)
	for k, v := range ev.Tags {
		assert.LessOrEqual(t, len(k), 32)
		assert.LessOrEqual(t, len(v), 200)
	}
	assert.Equal(t, "line break", ev.Tags["ok"])
	assert.Empty(t, c.Stats().Dropped)
	for _, ev := range evs {
		assert.Less(t, encodedSize(t, ev), 1<<20)
	}
	validate(t, evs...)
}

// Over 1 MiB, the longest strings are cut first, to a common length: the
// short values stay whole.
func TestOversizedEventCutsLongestFirst(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	attrs := []slog.Attr{slog.String("order_id", "o-123"), slog.String("note", strings.Repeat("n", 300))}
	for i := range 300 {
		attrs = append(attrs, slog.String("blob"+strconv.Itoa(i), strings.Repeat("b", 8000)))
	}
	c.CaptureRecord(record(context.Background(), "many blobs", attrs...))
	ev := delivered(t, c, mt, 1)[0]
	log := ev.Contexts["log"]
	assert.Equal(t, "o-123", log["order_id"])
	assert.Len(t, log["note"], 300, "shorter than the common length: whole")
	b0 := log["blob0"].(string)
	assert.Contains(t, b0, "...[truncated from 8000 bytes]")
	assert.Greater(t, len(b0), 2000, "cut no more than needed")
	size := encodedSize(t, ev)
	assert.Less(t, size, 1<<20)
	assert.Greater(t, size, 900<<10)
	validate(t, ev)
}

// When short values alone are over the limit, the oldest breadcrumbs go,
// and a breadcrumb says how many.
func TestOversizedEventDropsOldestBreadcrumbs(t *testing.T) {
	c, mt := newClient(t, core.Options{MaxBreadcrumbs: 100})
	ctx := core.NewIsolationScope(context.Background())
	core.SetContext(ctx, "order", map[string]any{"id": "o-123"})
	data := map[string]any{}
	for i := range 100 {
		data["k"+strconv.Itoa(i)] = strings.Repeat("d", 200)
	}
	for i := range 100 {
		c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: strconv.Itoa(i), Data: data})
	}
	c.CaptureMessage(ctx, "crumbs", core.LevelError)
	ev := delivered(t, c, mt, 1)[0]
	require.Greater(t, len(ev.Breadcrumbs), 10)
	require.Less(t, len(ev.Breadcrumbs), 100)
	note := ev.Breadcrumbs[0]
	assert.Equal(t, "sentrylog", note.Category)
	dropped := 100 - (len(ev.Breadcrumbs) - 1)
	assert.Equal(t, strconv.Itoa(dropped)+" older breadcrumbs dropped: the event was over the size limit", note.Message)
	assert.Equal(t, "99", ev.Breadcrumbs[len(ev.Breadcrumbs)-1].Message, "the newest are kept")
	assert.Equal(t, map[string]any{"id": "o-123"}, ev.Contexts["order"])
	assert.Less(t, encodedSize(t, ev), 1<<20)
	validate(t, ev)
}

// Last, the largest context and extra entries are replaced with a marker;
// the client's contexts and the smaller entries stay.
func TestOversizedEventDropsLargestEntries(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	ctx := core.NewIsolationScope(context.Background())
	for n := range 6 {
		m := map[string]any{"small": n}
		for i := range 999 {
			m["k"+strconv.Itoa(i)] = strings.Repeat("v", 200)
		}
		core.SetContext(ctx, "c"+strconv.Itoa(n), m)
	}
	c.CaptureMessage(ctx, "entries", core.LevelError)
	ev := delivered(t, c, mt, 1)[0]
	markers := 0
	for n := range 6 {
		m := ev.Contexts["c"+strconv.Itoa(n)]
		assert.Equal(t, n, m["small"])
		for _, v := range m {
			if s, ok := v.(string); ok && strings.HasPrefix(s, "[dropped: ") {
				markers++
			}
		}
	}
	assert.Positive(t, markers)
	assert.Equal(t, "go", ev.Contexts["runtime"]["name"])
	assert.Less(t, encodedSize(t, ev), 1<<20)
	validate(t, ev)
}

type nanStruct struct {
	Name  string  `json:"name"`
	Ratio float64 `json:"ratio"`
	Inner struct {
		Max float32 `json:"max"`
	} `json:"inner"`
	Skip float64 `json:"-"`
}

// NaN and ±Inf, wherever they are set, are sent as strings: the event is
// never dropped for them.
func TestNaNAndInfAreEncodable(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	nan, inf := math.NaN(), math.Inf(1)
	s := nanStruct{Name: "n", Ratio: nan}
	s.Inner.Max = float32(math.Inf(-1))

	c.Scope().SetContext("global", map[string]any{"nan": nan})
	ctx := core.NewIsolationScope(context.Background())
	core.SetContext(ctx, "ctx", map[string]any{
		"inf": inf, "nested": map[string]any{"list": []any{nan, 1.5}}, "struct": s,
		"floats": []float64{nan}, "typed": map[string]float64{"x": inf},
	})
	core.CurrentScope(ctx).SetExtra("extra", -inf)
	core.CurrentScope(ctx).SetUser(&core.User{ID: "u", Data: map[string]any{"score": nan}})
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "b", Data: map[string]any{"nan": nan}})
	c.CaptureMessage(ctx, "nan", core.LevelError)
	c.CaptureEvent(context.Background(), &core.Event{
		Message: &core.LogEntry{Message: "%v", Params: []any{nan}},
		Request: &core.Request{URL: "https://example.com", Data: map[string]any{"n": nan}},
		Exception: []core.Exception{{Type: "x", Value: "y",
			Mechanism: &core.Mechanism{Type: "generic", Data: map[string]any{"n": inf}}}},
	})
	c.CaptureRecord(record(context.Background(), "attr", slog.Any("s", s), slog.Float64("f", nan)))
	logCtx := core.NewIsolationScope(context.Background())
	core.SetContext(logCtx, "log", map[string]any{"nan": nan}) // a record without attributes
	c.CaptureRecord(record(logCtx, "scope log context"))

	evs := delivered(t, c, mt, 4)
	assert.Equal(t, "NaN", evs[3].Contexts["log"]["nan"])
	assert.Empty(t, c.Stats().Dropped)
	ev := evs[0]
	assert.Equal(t, "NaN", ev.Contexts["global"]["nan"])
	cx := ev.Contexts["ctx"]
	assert.Equal(t, "+Inf", cx["inf"])
	assert.Equal(t, []any{"NaN", 1.5}, cx["nested"].(map[string]any)["list"])
	assert.Equal(t, map[string]any{"name": "n", "ratio": "NaN", "inner": map[string]any{"max": "-Inf"}}, cx["struct"])
	assert.Equal(t, []any{"NaN"}, cx["floats"])
	assert.Equal(t, map[string]any{"x": "+Inf"}, cx["typed"])
	assert.Equal(t, "-Inf", ev.Extra["extra"])
	assert.Equal(t, "NaN", ev.User.Data["score"])
	assert.Equal(t, "NaN", ev.Breadcrumbs[0].Data["nan"])
	ev = evs[1]
	assert.Equal(t, []any{"NaN"}, ev.Message.Params)
	assert.Equal(t, map[string]any{"n": "NaN"}, ev.Request.Data)
	assert.Equal(t, "+Inf", ev.Exception[0].Mechanism.Data["n"])
	ev = evs[2]
	assert.Equal(t, map[string]any{"name": "n", "ratio": "NaN", "inner": map[string]any{"max": "-Inf"}}, ev.Contexts["log"]["s"])
	assert.Equal(t, "NaN", ev.Contexts["log"]["f"])
	for _, ev := range evs {
		encodedSize(t, ev)
	}
	validate(t, evs...)
}

// An event captured without a level is an error, Sentry's default; a
// breadcrumb without one is info.
func TestCaptureEventDefaultLevel(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	ctx := core.NewIsolationScope(context.Background())
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "b"})
	c.CaptureEvent(ctx, &core.Event{Message: &core.LogEntry{Formatted: "no level"}})
	c.CaptureEvent(ctx, &core.Event{Message: &core.LogEntry{Formatted: "info"}, Level: core.LevelInfo})
	evs := delivered(t, c, mt, 2)
	assert.Equal(t, core.LevelError, evs[0].Level)
	assert.Equal(t, core.LevelInfo, evs[1].Level)
	b, err := json.Marshal(evs[0].Breadcrumbs[0])
	require.NoError(t, err)
	assert.Contains(t, string(b), `"level":"info"`)
	validate(t, evs...)
}

// Captures after Close are counted, as Close's contract says.
func TestCapturesAfterCloseAreCounted(t *testing.T) {
	c, _ := newClient(t, core.Options{})
	require.True(t, c.Close(context.Background()))
	ctx := context.Background()
	c.CaptureMessage(ctx, "m", core.LevelError)
	c.CaptureException(ctx, errors.New("e"))
	c.CaptureEvent(ctx, &core.Event{})
	c.CaptureRecord(record(ctx, "r"))
	c.CapturePanic(ctx, "p", "")
	st := c.Stats()
	assert.EqualValues(t, 5, st.Captured)
	assert.EqualValues(t, 5, st.Dropped["queue_overflow:error"])
}

// One case per row of the package doc's "Event size" table.
func TestEventSizeRules(t *testing.T) {
	c, mt := newClient(t, core.Options{MaxRequestBodySize: core.BodySizeAlways, SendDefaultPII: true})
	long := strings.Repeat("é", 10000) // 20,000 bytes
	deep := map[string]any{"leaf": "x"}
	for range 20 {
		deep = map[string]any{"d": deep}
	}
	fp := make([]string, 100)
	for i := range fp {
		fp[i] = strconv.Itoa(i)
	}
	ctx := core.NewIsolationScope(context.Background())
	core.SetContext(ctx, "deep", deep)
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: long, Data: map[string]any{"v": long}})
	c.CaptureEvent(ctx, &core.Event{
		Logger: long, Environment: long, Dist: long, Transaction: long, Release: long, ServerName: long,
		Message:     &core.LogEntry{Message: long, Formatted: long},
		Exception:   []core.Exception{{Type: long, Module: long, Value: long}},
		Tags:        map[string]string{"k": long, "a key longer than thirty-two characters!": "v"},
		User:        &core.User{ID: long, Username: long, Name: long, Email: long, IPAddress: long, Data: map[string]any{"v": long}},
		Request:     &core.Request{Method: long, URL: long, QueryString: long, Data: long, Headers: map[string]string{"h": long}, Cookies: map[string]string{"c": long}},
		Extra:       map[string]any{"v": long},
		Fingerprint: fp,
	})
	ev := delivered(t, c, mt, 1)[0]
	marked := func(name, s string, limit int) {
		t.Helper()
		assert.LessOrEqual(t, len(s), limit, name)
		assert.Contains(t, s, "...[truncated from 20000 bytes]", name)
		assert.True(t, strings.HasPrefix(s, "é"), name)
	}
	marked("logentry.message", ev.Message.Message, 8192)
	marked("logentry.formatted", ev.Message.Formatted, 8192)
	marked("exception.value", ev.Exception[0].Value, 8192)
	marked("exception.type", ev.Exception[0].Type, 256)
	marked("exception.module", ev.Exception[0].Module, 256)
	marked("breadcrumb.message", ev.Breadcrumbs[0].Message, 8192)
	marked("breadcrumb.data", ev.Breadcrumbs[0].Data["v"].(string), 8192)
	marked("extra", ev.Extra["v"].(string), 8192)
	marked("user.data", ev.User.Data["v"].(string), 8192)
	assert.Equal(t, long, ev.Request.Data, "a request body as text is kept whole (MaxRequestBodySize bounds it)")
	marked("request.url", ev.Request.URL, 8192)
	marked("request.query_string", ev.Request.QueryString, 8192)
	marked("request.headers", ev.Request.Headers["h"], 8192)
	marked("tag value", ev.Tags["k"], 200)
	assert.Equal(t, "v", ev.Tags["a_key_longer_than_thirty-two_cha"], "tag key")
	marked("user.id", ev.User.ID, 128)
	marked("user.username", ev.User.Username, 128)
	marked("user.name", ev.User.Name, 128)
	marked("user.email", ev.User.Email, 75)
	marked("user.ip_address", ev.User.IPAddress, 64)
	marked("logger", ev.Logger, 64)
	marked("environment", ev.Environment, 64)
	marked("dist", ev.Dist, 64)
	marked("request.method", ev.Request.Method, 64)
	marked("transaction", ev.Transaction, 200)
	marked("release", ev.Release, 200)
	marked("server_name", ev.ServerName, 200)
	require.Len(t, ev.Fingerprint, 64)
	assert.Equal(t, "62", ev.Fingerprint[62])
	assert.Equal(t, "...[truncated from 100 entries]", ev.Fingerprint[63])
	d, depth := ev.Contexts["deep"], 0
	for {
		next, ok := d["d"].(map[string]any)
		if !ok {
			assert.Equal(t, "!ERROR: depth limit", d["d"], "nesting")
			break
		}
		d, depth = next, depth+1
	}
	assert.Equal(t, 11, depth)
	validate(t, ev)
}

// Trimming copies what it cuts: the maps and slices an event shares with
// its scopes are never written, however many events are built from them at
// once.
func TestTrimDoesNotWriteScopes(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	long := strings.Repeat("x", 20000)
	ctx := core.NewIsolationScope(context.Background())
	ctxMap := map[string]any{"long": long, "nested": map[string]any{"long": long}, "nan": math.NaN()}
	core.SetContext(ctx, "shared", ctxMap)
	core.CurrentScope(ctx).SetExtra("long", long)
	core.CurrentScope(ctx).SetUser(&core.User{ID: long, Data: map[string]any{"long": long}})
	crumbData := map[string]any{"long": long}
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: long, Data: crumbData})
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 25 {
				c.CaptureMessage(ctx, long, core.LevelError)
			}
		}()
	}
	for range 4 {
		<-done
	}
	evs := delivered(t, c, mt, 100)
	assert.Len(t, ctxMap["long"], 20000)
	assert.Len(t, ctxMap["nested"].(map[string]any)["long"], 20000)
	assert.True(t, math.IsNaN(ctxMap["nan"].(float64)))
	assert.Len(t, crumbData["long"], 20000)
	b := core.IsolationScope(ctx).Breadcrumbs()
	assert.Len(t, b[0].Message, 20000)
	for _, ev := range evs {
		assert.LessOrEqual(t, len(ev.Contexts["shared"]["long"].(string)), 8192)
	}
	validate(t, evs[0])
}
