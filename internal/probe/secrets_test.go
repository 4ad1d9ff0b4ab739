package probe_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/corpus"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

// TestProbeSecretsEverywhere: every non-PII secret of the corpus, put
// everywhere a value can go (message, error text, attributes, nested and
// as map keys, breadcrumb message and data, scope tags, contexts, extra,
// fingerprint, transaction, user data, request), leaves no needle in the
// event's JSON, through every bridge with the default options.
func TestProbeSecretsEverywhere(t *testing.T) {
	secrets := corpus.Secrets(t, "../../e2e/testdata")
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{Disabled: true}, QueueSize: 10000})
		log := b.make(c)
		n := 0
		for _, s := range secrets {
			if s.PII {
				continue
			}
			n++
			ctx := core.NewIsolationScope(context.Background())
			sc := core.IsolationScope(ctx)
			oneLine := strings.ReplaceAll(s.Text, "\n", " ")
			sc.SetTag("t", oneLine)
			sc.SetContext("app", map[string]any{"detail": s.Text, "nested": map[string]any{"v": s.Text}, "list": []any{s.Text}})
			sc.SetExtra("detail", s.Text)
			sc.SetFingerprint([]string{"{{ default }}", s.Text})
			sc.SetTransaction(oneLine)
			sc.SetUser(&core.User{ID: "u-1", Data: map[string]any{"note": s.Text}})
			sc.SetRequest(&core.Request{URL: "https://shop.test/cb", Method: "POST", Data: s.Text, Headers: map[string]string{"X-Debug": s.Text}})
			c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: s.Text, Category: "http", Data: map[string]any{"detail": s.Text}})
			log(ctx, false, s.Text, kv{"detail", s.Text})
			log(ctx, true, s.Text, kv{"error", fmt.Errorf("wrapped: %w", errors.New(s.Text))}, kv{"detail", s.Text},
				kv{"group", map[string]any{"inner": s.Text}}, kv{"list", []string{"a", s.Text}}, kv{"case", s.Name})
		}
		evs := testclient.Events(t, c, mt)
		require.Len(t, evs, n)
		leaks := 0
		for _, ev := range evs {
			raw, err := json.Marshal(ev)
			require.NoError(t, err)
			name, _ := logCtx(t, ev)["case"].(string)
			require.NotEmpty(t, name)
			for _, s := range secrets {
				if s.Name != name {
					continue
				}
				for _, needle := range s.Needles {
					for _, f := range corpus.WireForms(needle) {
						if strings.Contains(string(raw), f) {
							leaks++
							i := strings.Index(string(raw), f)
							lo := max(0, i-120)
							t.Errorf("%s: %s leaks %q: ...%s...", b.name, s.Name, f, raw[lo:min(len(raw), i+len(f)+40)])
						}
					}
				}
			}
		}
		t.Logf("%s: %d secrets, %d leaks", b.name, n, leaks)
	})
}
