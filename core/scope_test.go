package core_test

import (
	"context"
	"fmt"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

func TestScopeMergeRules(t *testing.T) {
	type layer func(s *core.Scope)
	none := func(*core.Scope) {}
	tests := []struct {
		name             string
		global, iso, cur layer
		record           []slog.Attr
		check            func(t *testing.T, ev *core.Event)
	}{
		{
			name:   "tags: later layer wins, the event's own win last",
			global: func(s *core.Scope) { s.SetTags(map[string]string{"a": "g", "b": "g", "c": "g", "d": "g"}) },
			iso:    func(s *core.Scope) { s.SetTags(map[string]string{"b": "i", "c": "i", "d": "i"}) },
			cur:    func(s *core.Scope) { s.SetTags(map[string]string{"c": "c", "d": "c"}) },
			record: []slog.Attr{slog.Group("tags", slog.String("d", "event"))},
			check: func(t *testing.T, ev *core.Event) {
				assert.Equal(t, map[string]string{"a": "g", "b": "i", "c": "c", "d": "event"}, ev.Tags)
			},
		},
		{
			name: "contexts: later layer wins per name",
			global: func(s *core.Scope) {
				s.SetContext("app", map[string]any{"v": "g"})
				s.SetContext("db", map[string]any{"v": "g"})
			},
			iso: func(s *core.Scope) { s.SetContext("app", map[string]any{"v": "i"}) },
			cur: none,
			check: func(t *testing.T, ev *core.Event) {
				assert.Equal(t, map[string]any{"v": "i"}, ev.Contexts["app"])
				assert.Equal(t, map[string]any{"v": "g"}, ev.Contexts["db"])
				assert.Equal(t, "go", ev.Contexts["runtime"]["name"], "the client's own contexts stay")
			},
		},
		{
			name:   "user: innermost scope wins",
			global: func(s *core.Scope) { s.SetUser(&core.User{ID: "g"}) },
			iso:    func(s *core.Scope) { s.SetUser(&core.User{ID: "i"}) },
			cur:    none,
			check:  func(t *testing.T, ev *core.Event) { assert.Equal(t, "i", ev.User.ID) },
		},
		{
			name:   "user: the event's own wins over every scope",
			global: none,
			iso:    func(s *core.Scope) { s.SetUser(&core.User{ID: "i"}) },
			cur:    func(s *core.Scope) { s.SetUser(&core.User{ID: "c"}) },
			record: []slog.Attr{slog.String("user.id", "event")},
			check:  func(t *testing.T, ev *core.Event) { assert.Equal(t, "event", ev.User.ID) },
		},
		{
			name:   "fingerprint: the event's own wins",
			global: func(s *core.Scope) { s.SetFingerprint([]string{"g"}) },
			iso:    none,
			cur:    none,
			record: []slog.Attr{slog.Any("fingerprint", []string{"{{ default }}", "e"})},
			check:  func(t *testing.T, ev *core.Event) { assert.Equal(t, []string{"{{ default }}", "e"}, ev.Fingerprint) },
		},
		{
			name:   "fingerprint: from the innermost scope otherwise",
			global: func(s *core.Scope) { s.SetFingerprint([]string{"g"}) },
			iso:    func(s *core.Scope) { s.SetFingerprint([]string{"i"}) },
			cur:    none,
			check:  func(t *testing.T, ev *core.Event) { assert.Equal(t, []string{"i"}, ev.Fingerprint) },
		},
		{
			name:   "level: the scope's level overrides the event's",
			global: func(s *core.Scope) { s.SetLevel(core.LevelWarning) },
			iso:    none,
			cur:    func(s *core.Scope) { s.SetLevel(core.LevelFatal) },
			check:  func(t *testing.T, ev *core.Event) { assert.Equal(t, core.LevelFatal, ev.Level) },
		},
		{
			name:   "transaction and request: innermost",
			global: func(s *core.Scope) { s.SetTransaction("g") },
			iso:    func(s *core.Scope) { s.SetTransaction("i"); s.SetRequest(&core.Request{Method: "GET"}) },
			cur:    none,
			check: func(t *testing.T, ev *core.Event) {
				assert.Equal(t, "i", ev.Transaction)
				assert.Equal(t, "GET", ev.Request.Method)
			},
		},
		{
			name: "breadcrumbs: merged by time across layers",
			global: func(s *core.Scope) {
				s.AddBreadcrumb(&core.Breadcrumb{Message: "g1", Timestamp: time.Unix(10, 0)}, 100)
				s.AddBreadcrumb(&core.Breadcrumb{Message: "g2", Timestamp: time.Unix(30, 0)}, 100)
			},
			iso: func(s *core.Scope) {
				s.AddBreadcrumb(&core.Breadcrumb{Message: "i1", Timestamp: time.Unix(20, 0)}, 100)
			},
			cur: func(s *core.Scope) {
				s.AddBreadcrumb(&core.Breadcrumb{Message: "c1", Timestamp: time.Unix(5, 0)}, 100)
			},
			check: func(t *testing.T, ev *core.Event) {
				var msgs []string
				for _, b := range ev.Breadcrumbs {
					msgs = append(msgs, b.Message)
				}
				assert.Equal(t, []string{"c1", "g1", "i1", "g2"}, msgs)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newClient(t, core.Options{})
			ctx := core.NewIsolationScope(context.Background())
			ctx = core.WithScope(ctx)
			tt.global(c.Scope())
			tt.iso(core.IsolationScope(ctx))
			tt.cur(core.CurrentScope(ctx))
			bridge.CaptureRecord(c, &bridge.Record{Level: core.LevelError, Message: "m", Context: ctx, Attrs: tt.record})
			tt.check(t, flushed(t, c, mt, 1)[0])
		})
	}
}

func TestForkDoesNotLeakBack(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	ctx := core.NewIsolationScope(context.Background())
	core.SetTag(ctx, "outer", "1")
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "before fork"})

	inner := core.WithScope(ctx)
	cur := core.CurrentScope(inner)
	cur.SetTag("inner", "1")
	cur.SetUser(&core.User{ID: "inner"})
	cur.AddBreadcrumb(&core.Breadcrumb{Message: "in fork"}, 100)
	c.CaptureMessage(inner, "inner", core.LevelError)
	c.CaptureMessage(ctx, "outer", core.LevelError)

	evs := flushed(t, c, mt, 2)
	assert.Equal(t, map[string]string{"outer": "1", "inner": "1"}, evs[0].Tags)
	assert.Equal(t, "inner", evs[0].User.ID)
	assert.Len(t, evs[0].Breadcrumbs, 2)
	assert.Equal(t, map[string]string{"outer": "1"}, evs[1].Tags)
	assert.Nil(t, evs[1].User)
	require.Len(t, evs[1].Breadcrumbs, 1)
	assert.Equal(t, "before fork", evs[1].Breadcrumbs[0].Message)

	// A nested isolation scope sees its parent's breadcrumbs up to the fork
	// and nothing the parent adds later.
	child := core.NewIsolationScope(ctx)
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "parent after fork"})
	c.AddBreadcrumb(child, &core.Breadcrumb{Message: "child"})
	var msgs []string
	for _, b := range core.IsolationScope(child).Breadcrumbs() {
		msgs = append(msgs, b.Message)
	}
	assert.Equal(t, []string{"before fork", "child"}, msgs)
}

func TestMaxBreadcrumbs(t *testing.T) {
	c, mt := newClient(t, core.Options{MaxBreadcrumbs: 5})
	ctx := core.NewIsolationScope(context.Background())
	for i := 0; i < 12; i++ {
		c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: strconv.Itoa(i)})
	}
	c.Scope().AddBreadcrumb(&core.Breadcrumb{Message: "global"}, 5)
	c.CaptureMessage(ctx, "m", core.LevelError)
	ev := flushed(t, c, mt, 1)[0]
	var msgs []string
	for _, b := range ev.Breadcrumbs {
		msgs = append(msgs, b.Message)
	}
	assert.Equal(t, []string{"8", "9", "10", "11", "global"}, msgs, "the newest 5 across layers")

	c2, mt2 := newClient(t, core.Options{MaxBreadcrumbs: -1})
	c2.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "x"})
	c2.CaptureMessage(context.Background(), "m", core.LevelError)
	assert.Empty(t, flushed(t, c2, mt2, 1)[0].Breadcrumbs, "negative MaxBreadcrumbs turns breadcrumbs off")
}

func TestBeforeBreadcrumb(t *testing.T) {
	var hints []*core.Hint
	c, mt := newClient(t, core.Options{BeforeBreadcrumb: func(b *core.Breadcrumb, h *core.Hint) *core.Breadcrumb {
		hints = append(hints, h)
		if b.Message == "drop me" {
			return nil
		}
		b.Message += " (seen)"
		return b
	}})
	ctx := core.NewIsolationScope(context.Background())
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "keep"})
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "drop me"})
	bridge.AddRecordBreadcrumb(c, &bridge.Record{Level: core.LevelInfo, Message: "from a record", Context: ctx,
		Attrs: []slog.Attr{slog.Int("n", 1)}})
	c.CaptureMessage(ctx, "m", core.LevelError)
	ev := flushed(t, c, mt, 1)[0]
	require.Len(t, ev.Breadcrumbs, 2)
	assert.Equal(t, "keep (seen)", ev.Breadcrumbs[0].Message)
	assert.Equal(t, "from a record (seen)", ev.Breadcrumbs[1].Message)
	assert.Equal(t, map[string]any{"n": int64(1)}, ev.Breadcrumbs[1].Data)
	require.Len(t, hints, 3)
	require.NotNil(t, hints[2].Record, "the hint carries the record")
	assert.Equal(t, "from a record", hints[2].Record.Message)
}

func TestRecordBreadcrumbData(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	ctx := core.NewIsolationScope(context.Background())
	attrs := []slog.Attr{slog.String("k", "v"), slog.Group("g", slog.Int("n", 2))}
	bridge.AddRecordBreadcrumb(c, &bridge.Record{Level: core.LevelWarning, Message: "crumb", Logger: "db", Context: ctx,
		Pre: []slog.Attr{slog.String("svc", "a")}, Attrs: attrs})
	attrs[0] = slog.String("k", "overwritten") // borrowed only for the call
	c.CaptureMessage(ctx, "m", core.LevelError)
	ev := flushed(t, c, mt, 1)[0]
	require.Len(t, ev.Breadcrumbs, 1)
	b := ev.Breadcrumbs[0]
	assert.Equal(t, "db", b.Category)
	assert.Equal(t, core.LevelWarning, b.Level)
	assert.Equal(t, map[string]any{"svc": "a", "k": "v", "g": map[string]any{"n": int64(2)}}, b.Data)
}

// TestBreadcrumbAttrsLent: attributes lent to AddBreadcrumbAttrs are
// copied, kept in the breadcrumb when few, and a ring entry reused by a
// breadcrumb with fewer of them, or with a slice of them, shows only its own.
func TestBreadcrumbAttrsLent(t *testing.T) {
	c, mt := newClient(t, core.Options{MaxBreadcrumbs: 1})
	ctx := core.NewIsolationScope(context.Background())
	crumbs := func() []core.Breadcrumb {
		c.CaptureMessage(ctx, "m", core.LevelError)
		evs := flushed(t, c, mt, 1)
		mt.Reset()
		return evs[0].Breadcrumbs
	}
	rec := func() *bridge.Record {
		return &bridge.Record{Level: core.LevelInfo, Message: "crumb", Context: ctx, Pre: []slog.Attr{slog.String("svc", "a")}}
	}
	m := map[string]any{"k": "before"}
	buf := []slog.Attr{slog.String("a", "1"), slog.Int("b", 2), slog.Bool("c", true), slog.Any("m", m)}
	bridge.AddBreadcrumbAttrs(c, rec(), buf)
	buf[0] = slog.String("a", "overwritten") // lent for the call only
	m["k"] = "after"                         // converted when lent
	assert.Equal(t, map[string]any{"svc": "a", "a": "1", "b": int64(2), "c": true, "m": map[string]any{"k": "before"}},
		crumbs()[0].Data)

	bridge.AddBreadcrumbAttrs(c, rec(), buf[1:2]) // the same ring entry, fewer attributes
	assert.Equal(t, map[string]any{"svc": "a", "b": int64(2)}, crumbs()[0].Data)

	bridge.AddBreadcrumbAttrs(c, rec(), nil)
	assert.Equal(t, map[string]any{"svc": "a"}, crumbs()[0].Data)

	bridge.AddBreadcrumbAttrs(c, rec(), buf[:2])
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "plain"}) // over an entry that had some
	got := crumbs()
	assert.Equal(t, "plain", got[0].Message)
	assert.Nil(t, got[0].Data)

	many := make([]slog.Attr, bridge.InlineAttrs+2)
	want := map[string]any{"svc": "a"}
	for i := range many {
		many[i] = slog.Int(strconv.Itoa(i), i)
		want[strconv.Itoa(i)] = int64(i)
	}
	bridge.AddBreadcrumbAttrs(c, rec(), many) // more than fit: a slice of their own
	many[0] = slog.String("0", "overwritten")
	assert.Equal(t, want, crumbs()[0].Data)

	r := rec()
	r.Attrs = []slog.Attr{slog.String("first", "x")}
	bridge.AddBreadcrumbAttrs(c, r, buf[1:2]) // after r.Attrs
	assert.Equal(t, map[string]any{"svc": "a", "first": "x", "b": int64(2)}, crumbs()[0].Data)

	backing := make([]slog.Attr, 3)
	backing[0] = slog.String("first", "x")
	r = rec()
	r.Attrs, r.GiveAttrs = backing[:1], true
	bridge.AddBreadcrumbAttrs(c, r, buf[1:2]) // given attributes: their length is handed over, not the rest of the array
	assert.Equal(t, map[string]any{"svc": "a", "first": "x", "b": int64(2)}, crumbs()[0].Data)
	assert.Zero(t, backing[1], "nothing written past the given attributes")

	// A client with a larger ring fills the scope, one more than it holds,
	// so that its oldest entry is not the first; one with a smaller ring
	// then shrinks it to its newest entries, inline attributes with them.
	big, mtBig := newClient(t, core.Options{MaxBreadcrumbs: 4})
	ctx = core.NewIsolationScope(context.Background())
	for i := range 5 {
		bridge.AddBreadcrumbAttrs(big, &bridge.Record{Level: core.LevelInfo, Message: strconv.Itoa(i), Context: ctx},
			[]slog.Attr{slog.Int("i", i)})
	}
	big.CaptureMessage(ctx, "m", core.LevelError)
	require.Len(t, flushed(t, big, mtBig, 1)[0].Breadcrumbs, 4)
	small, mtSmall := newClient(t, core.Options{MaxBreadcrumbs: 2})
	bridge.AddBreadcrumbAttrs(small, &bridge.Record{Level: core.LevelInfo, Message: "5", Context: ctx}, []slog.Attr{slog.Int("i", 5)})
	small.CaptureMessage(ctx, "m", core.LevelError)
	got = flushed(t, small, mtSmall, 1)[0].Breadcrumbs
	require.Len(t, got, 2)
	assert.Equal(t, "4", got[0].Message, "the newest entry before the shrink")
	assert.Equal(t, "5", got[1].Message)
	for _, b := range got {
		n, err := strconv.Atoi(b.Message)
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"i": int64(n)}, b.Data, "each entry keeps its own attributes")
	}

	c2, mt2 := newClient(t, core.Options{BeforeBreadcrumb: func(b *core.Breadcrumb, h *core.Hint) *core.Breadcrumb {
		assert.Equal(t, []slog.Attr{slog.Int("b", 2)}, h.Record.Attrs, "the hint's record has the lent attributes")
		return b
	}})
	ctx = core.NewIsolationScope(context.Background())
	bridge.AddBreadcrumbAttrs(c2, rec(), buf[1:2])
	c2.CaptureMessage(ctx, "m", core.LevelError)
	assert.Equal(t, map[string]any{"svc": "a", "b": int64(2)}, flushed(t, c2, mt2, 1)[0].Breadcrumbs[0].Data)
}

func TestScopesConcurrentUse(t *testing.T) {
	c, mt := newClient(t, core.Options{MaxBreadcrumbs: 10})
	ctx := core.NewIsolationScope(context.Background())
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				core.SetTag(ctx, fmt.Sprint("t", g), strconv.Itoa(i))
				c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "x"})
				f := core.WithScope(ctx)
				core.CurrentScope(f).SetTag("f", "1")
				if i%50 == 0 {
					c.CaptureMessage(f, "m", core.LevelError)
				}
			}
		}(g)
	}
	wg.Wait()
	evs := flushed(t, c, mt, 32)
	for _, ev := range evs {
		assert.LessOrEqual(t, len(ev.Breadcrumbs), 10)
	}
}

// TestInlineCrumbsConcurrent: breadcrumbs with inline attributes written
// over each other in a small ring while events copy them out: every
// breadcrumb an event carries has its own attributes (run with -race).
func TestInlineCrumbsConcurrent(t *testing.T) {
	const writers, crumbs, captures = 4, 300, 40
	c, mt := newClient(t, core.Options{MaxBreadcrumbs: 3, QueueSize: writers * captures})
	ctx := core.NewIsolationScope(context.Background())
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range crumbs {
				msg := fmt.Sprintf("%d-%d", g, i)
				attrs := []slog.Attr{slog.String("msg", msg), slog.Int("i", i)}
				if i%3 == 0 {
					attrs = attrs[:1] // fewer attributes over an entry that had more
				}
				bridge.AddBreadcrumbAttrs(c, &bridge.Record{Level: core.LevelInfo, Message: msg, Context: ctx}, attrs)
				if i%(crumbs/captures*writers) == 0 {
					c.CaptureMessage(ctx, "m", core.LevelError)
				}
			}
		}()
	}
	wg.Wait()
	evs := testclient.Events(t, c, mt)
	require.NotEmpty(t, evs)
	for _, ev := range evs {
		for _, b := range ev.Breadcrumbs {
			assert.Equal(t, b.Message, b.Data["msg"], "a breadcrumb's attributes are its own")
			var g, i int
			_, err := fmt.Sscanf(b.Message, "%d-%d", &g, &i)
			require.NoError(t, err)
			if i%3 == 0 {
				assert.NotContains(t, b.Data, "i")
			} else {
				assert.Equal(t, int64(i), b.Data["i"])
			}
		}
	}
}

func BenchmarkFork(b *testing.B) {
	ctx := core.NewIsolationScope(context.Background())
	core.SetTag(ctx, "a", "b")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = core.WithScope(ctx)
	}
}

func BenchmarkAddBreadcrumb(b *testing.B) {
	c, _ := newClient(b, core.Options{})
	ctx := core.NewIsolationScope(context.Background())
	crumb := &core.Breadcrumb{Message: "query", Category: "db"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.AddBreadcrumb(ctx, crumb)
	}
}

func TestAllocsScope(t *testing.T) {
	race.SkipAllocs(t)
	c, _ := newClient(t, core.Options{})
	ctx := core.NewIsolationScope(context.Background())
	crumb := &core.Breadcrumb{Message: "query", Category: "db"}
	assert.LessOrEqual(t, testing.AllocsPerRun(1000, func() { _ = core.WithScope(ctx) }), 2.0, "fork")
	assert.LessOrEqual(t, testing.AllocsPerRun(1000, func() { c.AddBreadcrumb(ctx, crumb) }), 1.0, "add breadcrumb")
	rec := &bridge.Record{Level: core.LevelInfo, Message: "m", Context: ctx,
		Pre: []slog.Attr{slog.String("a", "b")}, Attrs: []slog.Attr{slog.Int("n", 1)}}
	assert.LessOrEqual(t, testing.AllocsPerRun(1000, func() { bridge.AddRecordBreadcrumb(c, rec) }), 1.0, "record breadcrumb")
	rec.Attrs = nil
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		var buf [bridge.InlineAttrs]slog.Attr
		attrs := append(buf[:0], slog.Int("n", 1), slog.String("s", "v"), slog.Duration("d", time.Second),
			slog.Any("err", io.EOF)) // an error is kept as it is
		bridge.AddBreadcrumbAttrs(c, rec, attrs)
	}), "lent attributes, kept in the breadcrumb")
}

// A fork keeps the breadcrumbs it inherited however much its parent logs
// afterwards: the parent's ring is copied before it overwrites an entry the
// fork sees.
func TestForkKeepsInheritedBreadcrumbs(t *testing.T) {
	c, mt := newClient(t, core.Options{MaxBreadcrumbs: 10})
	parent := core.NewIsolationScope(context.Background())
	c.AddBreadcrumb(parent, &core.Breadcrumb{Message: "before the fork"})
	var buf [bridge.InlineAttrs]slog.Attr
	bridge.AddBreadcrumbAttrs(c, &bridge.Record{Level: core.LevelInfo, Message: "inline", Context: parent},
		append(buf[:0], slog.Int("n", 1)))
	child := core.NewIsolationScope(parent)
	nested := core.WithScope(core.WithScope(child)) // a current scope forked from a current scope
	c.AddBreadcrumb(child, &core.Breadcrumb{Message: "child"})
	for i := 0; i < 20; i++ {
		c.AddBreadcrumb(parent, &core.Breadcrumb{Message: "parent " + strconv.Itoa(i)})
		bridge.AddBreadcrumbAttrs(c, &bridge.Record{Level: core.LevelInfo, Message: "p", Context: parent},
			append(buf[:0], slog.Int("n", 100+i)))
	}
	c.CaptureMessage(nested, "child event", core.LevelError)
	ev := flushed(t, c, mt, 1)[0]
	var msgs []string
	for _, b := range ev.Breadcrumbs {
		msgs = append(msgs, b.Message)
	}
	assert.Equal(t, []string{"before the fork", "inline", "child"}, msgs)
	require.Len(t, ev.Breadcrumbs, 3)
	assert.Equal(t, map[string]any{"n": int64(1)}, ev.Breadcrumbs[1].Data, "inline attributes inherited too")

	got := core.IsolationScope(parent).Breadcrumbs()
	require.Len(t, got, 10)
	assert.Equal(t, "parent 15", got[0].Message, "the parent keeps its newest 10")
}
