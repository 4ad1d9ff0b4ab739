package probe_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/corpus"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

// benignKeys are keys engineers put debugging text under.
var benignKeys = []string{"detail", "addr", "upstream", "query", "sql", "path", "url", "version", "commit", "duration", "host", "target", "reason", "msg", "output", "status", "user_agent"}

// TestProbeBenignEverywhere: every benign string, with the default
// options, arrives unchanged through every bridge as the message, the
// error's text, attribute values under common keys (top level and in a
// group), a breadcrumb's message and data, a scope context value, an
// extra and a tag.
func TestProbeBenignEverywhere(t *testing.T) {
	benign := corpus.BenignTexts(t, "../../e2e/testdata")
	require.GreaterOrEqual(t, len(benign), 60)
	changed := map[string]int{}
	total := 0
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{Disabled: true}, QueueSize: 10000})
		log := b.make(c)
		for _, bt := range benign {
			ctx := core.NewIsolationScope(context.Background())
			core.SetTag(ctx, "case", bt.Name)
			if !strings.Contains(bt.Text, "\n") && len(bt.Text) <= 200 {
				core.SetTag(ctx, "benign", bt.Text)
			}
			core.SetContext(ctx, "app", map[string]any{"detail": bt.Text, "addr": bt.Text})
			core.IsolationScope(ctx).SetExtra("detail", bt.Text)
			crumb := []kv{}
			attrs := []kv{{"error", errors.New(bt.Text)}}
			for _, k := range benignKeys {
				crumb = append(crumb, kv{k, bt.Text})
				attrs = append(attrs, kv{k, bt.Text})
			}
			attrs = append(attrs, kv{"req", map[string]any{"detail": bt.Text, "addr": bt.Text}})
			log(ctx, false, bt.Text, crumb...)
			log(ctx, true, bt.Text, attrs...)
		}
		evs := testclient.Events(t, c, mt)
		require.Len(t, evs, len(benign))
		byName := map[string]string{}
		for _, bt := range benign {
			byName[bt.Name] = bt.Text
		}
		for _, ev := range evs {
			name := ev.Tags["case"]
			text := byName[name]
			var bad []string
			check := func(where string, got any) {
				total++
				if got != text {
					bad = append(bad, fmt.Sprintf("%s=%q", where, got))
					changed[where]++
				}
			}
			check("message", ev.Message.Formatted)
			check("exception", ev.Exception[len(ev.Exception)-1].Value)
			lc := logCtx(t, ev)
			for _, k := range benignKeys {
				check("log."+k, lc[k])
			}
			if req, ok := lc["req"].(map[string]any); ok {
				check("log.req.detail", req["detail"])
				check("log.req.addr", req["addr"])
			} else {
				bad = append(bad, fmt.Sprintf("log.req=%v", lc["req"]))
			}
			check("context.app.detail", ev.Contexts["app"]["detail"])
			check("context.app.addr", ev.Contexts["app"]["addr"])
			check("extra.detail", ev.Extra["detail"])
			if _, ok := ev.Tags["benign"]; ok {
				check("tag", ev.Tags["benign"])
			}
			require.NotEmpty(t, ev.Breadcrumbs)
			bc := ev.Breadcrumbs[len(ev.Breadcrumbs)-1]
			check("crumb.message", bc.Message)
			for _, k := range benignKeys {
				check("crumb."+k, bc.Data[k])
			}
			if len(bad) > 0 {
				t.Errorf("%s %q changed: %s", b.name, name, strings.Join(bad, "; "))
			}
		}
	})
	t.Logf("benign: %d places checked, changed by place: %v", total, changed)
}

// TestProbeBenignSentryLogs: the benign corpus as Sentry log bodies and
// attributes through every bridge.
func TestProbeBenignSentryLogs(t *testing.T) {
	benign := corpus.BenignTexts(t, "../../e2e/testdata")
	c, mt := testclient.New(t, core.Options{LogStorm: core.StormOptions{Disabled: true}, LogsBuffer: 10000})
	logs := logBridges(c)
	for _, log := range logs {
		for _, bt := range benign {
			log(context.Background(), false, bt.Text, kv{"detail", bt.Text}, kv{"addr", bt.Text})
		}
	}
	got := testclient.Logs(t, c, mt)
	require.Len(t, got, len(logs)*len(benign))
	for i, l := range got {
		text := benign[i%len(benign)].Text
		d, _ := l.Attr("detail")
		a, _ := l.Attr("addr")
		if l.Body != text || d.String() != text || a.String() != text {
			t.Errorf("log %d (%s) changed: body %q detail %q addr %q", i/len(benign), benign[i%len(benign)].Name, l.Body, d.String(), a.String())
		}
	}
}
