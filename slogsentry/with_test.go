package slogsentry_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// eventLogger returns a logger whose every record from Info up is an event.
func eventLogger(t *testing.T, opts slogsentry.Options) (*slog.Logger, *core.Client, *core.MemoryTransport) {
	t.Helper()
	c, mt := testclient.New(t, core.Options{})
	opts.Client = c
	if opts.EventLevel == nil {
		opts.EventLevel = slog.LevelInfo
	}
	return slog.New(slogsentry.NewHandler(opts)), c, mt
}

func TestGroupsNest(t *testing.T) {
	l, c, mt := eventLogger(t, slogsentry.Options{})
	l.With("a", 1).WithGroup("g").With("b", 2).WithGroup("h").Info("m", "c", 3, slog.Group("i", "d", 4))
	l.WithGroup("g").With("x", 1).WithGroup("g").Info("m", "y", 2) // same name twice
	l.WithGroup("g").WithGroup("h").Info("m")                      // no attributes: no groups
	l.Info("m", slog.Group("", "inline", true), slog.Group("empty"), "", nil)

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 4)
	assert.Equal(t, map[string]any{
		"a": int64(1),
		"g": map[string]any{
			"b": int64(2),
			"h": map[string]any{"c": int64(3), "i": map[string]any{"d": int64(4)}},
		},
	}, testclient.LogContext(evs[0]))
	assert.Equal(t, map[string]any{
		"g": map[string]any{"x": int64(1), "g": map[string]any{"y": int64(2)}},
	}, testclient.LogContext(evs[1]))
	assert.Nil(t, testclient.LogContext(evs[2]))
	assert.Equal(t, map[string]any{"inline": true}, testclient.LogContext(evs[3]))
}

func TestDeriveNeverMutates(t *testing.T) {
	l, c, mt := eventLogger(t, slogsentry.Options{})
	// Parent with spare capacity in its attributes and groups, then two
	// children derived from it: neither may see the other's attributes.
	parent := l.With("p1", 1).With("p2", 2).WithGroup("g1").WithGroup("g2")
	a := parent.With("a", "A").WithGroup("ga")
	b := parent.With("b", "B").WithGroup("gb")
	a.Info("from a", "k", 1)
	b.Info("from b", "k", 2)
	parent.Info("from parent", "k", 3)

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 3)
	g2 := func(ev *core.Event) map[string]any {
		return testclient.LogContext(ev)["g1"].(map[string]any)["g2"].(map[string]any)
	}
	assert.Equal(t, map[string]any{"a": "A", "ga": map[string]any{"k": int64(1)}}, g2(evs[0]))
	assert.Equal(t, map[string]any{"b": "B", "gb": map[string]any{"k": int64(2)}}, g2(evs[1]))
	assert.Equal(t, map[string]any{"k": int64(3)}, g2(evs[2]))
	for _, ev := range evs {
		assert.Equal(t, int64(1), testclient.LogContext(ev)["p1"])
		assert.Equal(t, int64(2), testclient.LogContext(ev)["p2"])
	}
}

func TestWithAttrsCopiesTheCallersSlice(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	h := slogsentry.NewHandler(slogsentry.Options{Client: c, EventLevel: slog.LevelInfo})
	members := []slog.Attr{slog.String("k", "before")}
	attrs := []slog.Attr{slog.String("a", "before"), {Key: "g", Value: slog.GroupValue(members...)}}
	l := slog.New(h.WithAttrs(attrs))
	attrs[0] = slog.String("a", "after")
	members[0] = slog.String("k", "after") // GroupValue shares this array
	l.Info("m")
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	assert.Equal(t, map[string]any{"a": "before", "g": map[string]any{"k": "before"}}, testclient.LogContext(evs[0]))
}

func TestWithGroupEmptyName(t *testing.T) {
	h := slogsentry.NewHandler(slogsentry.Options{})
	assert.Same(t, h, h.WithGroup(""))
	assert.Same(t, h, h.WithAttrs(nil))
	assert.NotSame(t, h, h.WithGroup("g"))
}

func TestReplaceAttr(t *testing.T) {
	var calls []string
	rep := func(groups []string, a slog.Attr) slog.Attr {
		calls = append(calls, strings.Join(append(groups, a.Key), "."))
		switch a.Key {
		case "drop":
			return slog.Attr{}
		case "nick":
			return slog.String("nick", "[redacted]")
		case "boom":
			panic("replace failed")
		case "lazy":
			return slog.Any("lazy", lazy{"resolved after replace"})
		}
		return a
	}
	l, c, mt := eventLogger(t, slogsentry.Options{ReplaceAttr: rep})
	l = l.WithGroup("g").With("nick", "alice", "drop", 1)
	l.Info("m", "keep", 1, slog.Group("sub", "nick", "x", "boom", 2, "lazy", 0), slog.Group("", "inl", 1))

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	assert.Equal(t, map[string]any{"g": map[string]any{
		"nick": "[redacted]",
		"keep": int64(1),
		"inl":  int64(1),
		"sub": map[string]any{
			"nick": "[redacted]",
			"boom": "!PANIC in ReplaceAttr: replace failed",
			"lazy": "resolved after replace",
		},
	}}, testclient.LogContext(evs[0]))
	// Groups are passed, not the group attributes themselves; inline groups add
	// no name; WithAttrs' attributes are rewritten once, at With.
	assert.Equal(t, []string{"g.nick", "g.drop", "g.keep", "g.sub.nick", "g.sub.boom", "g.sub.lazy", "g.inl"}, calls)
}

type lazy struct{ v string }

func (l lazy) LogValue() slog.Value { return slog.StringValue(l.v) }

func TestAddSource(t *testing.T) {
	l, c, mt := eventLogger(t, slogsentry.Options{AddSource: true})
	l.Info("top")
	l.WithGroup("g").Info("grouped", "k", 1)
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 2)
	for _, ev := range evs {
		src, ok := testclient.LogContext(ev)["source"].(map[string]any)
		require.True(t, ok, "source at the top level of the log context: %v", testclient.LogContext(ev))
		assert.Equal(t, "github.com/sentrylog/sentrylog/slogsentry_test.TestAddSource", src["function"])
		assert.True(t, strings.HasSuffix(src["file"].(string), "with_test.go"), src["file"])
		assert.Positive(t, src["line"])
	}
	assert.Equal(t, map[string]any{"k": int64(1)}, testclient.LogContext(evs[1])["g"])
}

func TestAddSourceReplaceAttr(t *testing.T) {
	rep := func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.SourceKey && groups == nil {
			s := a.Value.Any().(*slog.Source)
			s.File = "short.go"
		}
		return a
	}
	l, c, mt := eventLogger(t, slogsentry.Options{AddSource: true, ReplaceAttr: rep})
	l.Info("m")
	drop := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.SourceKey {
			return slog.Attr{}
		}
		return a
	}
	slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, EventLevel: slog.LevelInfo, AddSource: true, ReplaceAttr: drop})).Info("m2")
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 2)
	assert.Equal(t, "short.go", testclient.LogContext(evs[0])["source"].(map[string]any)["file"])
	assert.NotContains(t, testclient.LogContext(evs[1]), "source")
}

func TestTagKeysAndLogger(t *testing.T) {
	l, c, mt := eventLogger(t, slogsentry.Options{TagKeys: []string{"tenant", "http.route"}, Logger: "api"})
	l.With("tenant", "acme").Info("m", slog.Group("http", "route", "/users/{id}", "status", 200))
	l.WithGroup("http").With("route", "/with").Info("m", "status", 201)
	l.WithGroup("http").Info("m", "route", "/record")
	ctx := core.NewIsolationScope(context.Background())
	crumbs := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, Logger: "api"}))
	crumbs.InfoContext(ctx, "crumb")
	crumbs.ErrorContext(ctx, "boom")

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 4)
	assert.Equal(t, map[string]string{"tenant": "acme", "http.route": "/users/{id}"}, evs[0].Tags)
	assert.Equal(t, map[string]any{"http": map[string]any{"status": int64(200)}}, testclient.LogContext(evs[0]))
	assert.Equal(t, "api", evs[0].Logger)
	// WithGroup's groups are part of the path.
	assert.Equal(t, map[string]string{"http.route": "/with"}, evs[1].Tags)
	assert.Equal(t, map[string]any{"http": map[string]any{"status": int64(201)}}, testclient.LogContext(evs[1]))
	assert.Equal(t, map[string]string{"http.route": "/record"}, evs[2].Tags)
	require.Len(t, evs[3].Breadcrumbs, 1)
	assert.Equal(t, "api", evs[3].Breadcrumbs[0].Category)
}

func TestManyAttrs(t *testing.T) {
	l, c, mt := eventLogger(t, slogsentry.Options{})
	for _, n := range []int{16, 17, 40, 300} { // inline buffer, grown, beyond the pooled size
		args := make([]any, 0, 2*n)
		for i := 0; i < n; i++ {
			args = append(args, fmt.Sprintf("k%03d", i), i)
		}
		l.Info(fmt.Sprint(n), args...)
	}
	l.Info("after", "only", 1) // a reused buffer holds nothing of the records before
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 5)
	for i, n := range []int{16, 17, 40, 300} {
		lc := testclient.LogContext(evs[i])
		assert.Len(t, lc, n)
		assert.Equal(t, int64(n-1), lc[fmt.Sprintf("k%03d", n-1)])
	}
	assert.Equal(t, map[string]any{"only": int64(1)}, testclient.LogContext(evs[4]))
}

func TestReplaceAttrReturnsGroup(t *testing.T) {
	var seen []string
	rep := func(groups []string, a slog.Attr) slog.Attr {
		seen = append(seen, strings.Join(append(groups, a.Key), "."))
		if a.Key == "addr" {
			host, port, _ := strings.Cut(a.Value.String(), ":")
			return slog.Group("addr", "host", host, "port", port)
		}
		return a
	}
	l, c, mt := eventLogger(t, slogsentry.Options{ReplaceAttr: rep})
	l.Info("m", "addr", "db:5432")
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	assert.Equal(t, map[string]any{"addr": map[string]any{"host": "db", "port": "5432"}}, testclient.LogContext(evs[0]))
	assert.Equal(t, []string{"addr", "addr.host", "addr.port"}, seen, "the members of a returned group are rewritten too, as slog does")
}
