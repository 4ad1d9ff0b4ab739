package scrub_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/corpus"
	"github.com/sentrylog/sentrylog/scrub"
)

// The corpora live with the end-to-end tests, which send them through the
// bridges; here they are checked against the scrubber alone.
const corpusDir = "../e2e/testdata"

// TestSecretsCorpusScrubber puts every secret of the corpus in every place
// of an event and looks for it in the JSON the event is sent as.
func TestSecretsCorpusScrubber(t *testing.T) {
	secrets := corpus.Secrets(t, corpusDir)
	require.GreaterOrEqual(t, len(secrets), 40)
	places := map[string]func(ev *protocol.Event, s string){
		"message": func(ev *protocol.Event, s string) { ev.Message = &protocol.LogEntry{Formatted: "op failed: " + s} },
		"exception": func(ev *protocol.Event, s string) {
			ev.Exception = []protocol.Exception{{Type: "*errors.errorString", Value: s}}
		},
		"attr":        func(ev *protocol.Event, s string) { ev.Contexts = map[string]map[string]any{"log": {"note": s}} },
		"nested":      func(ev *protocol.Event, s string) { ev.Extra = map[string]any{"a": map[string]any{"b": []any{s}}} },
		"tag":         func(ev *protocol.Event, s string) { ev.Tags = map[string]string{"note": s} },
		"fingerprint": func(ev *protocol.Event, s string) { ev.Fingerprint = []string{"{{ default }}", s} },
		"transaction": func(ev *protocol.Event, s string) { ev.Transaction = s },
		"breadcrumb": func(ev *protocol.Event, s string) {
			ev.Breadcrumbs = []protocol.Breadcrumb{{Message: s, Data: map[string]any{"note": s}}}
		},
		"user": func(ev *protocol.Event, s string) {
			ev.User = &protocol.User{ID: "u-1", Data: map[string]any{"note": s}}
		},
		"url": func(ev *protocol.Event, s string) {
			ev.Request = &protocol.Request{URL: "https://shop.test/p/" + url.PathEscape(s)}
		},
		"query": func(ev *protocol.Event, s string) {
			ev.Request = &protocol.Request{QueryString: "page=2&note=" + url.QueryEscape(s)}
		},
		"form": func(ev *protocol.Event, s string) {
			ev.Request = &protocol.Request{Data: "page=2&note=" + url.QueryEscape(s)}
		},
		"header": func(ev *protocol.Event, s string) {
			ev.Request = &protocol.Request{Headers: map[string]string{"X-Debug": s}}
		},
	}
	for _, pii := range []bool{false, true} {
		s := scrub.New(scrub.Options{SendDefaultPII: pii})
		tried, leaks := 0, 0
		for _, sec := range secrets {
			if pii && sec.PII {
				continue
			}
			for place, put := range places {
				ev := &protocol.Event{}
				put(ev, sec.Text)
				s.Scrub(ev)
				b, err := json.Marshal(ev)
				require.NoError(t, err)
				tried++
				for _, n := range sec.Needles {
					for _, e := range corpus.WireForms(n) {
						if strings.Contains(string(b), e) {
							leaks++
							t.Errorf("pii=%v %s in %s: %q leaked: %s", pii, sec.Name, place, e, b)
							goto next
						}
					}
				}
			next:
			}
		}
		t.Logf("pii=%v: %d secrets x places tried, %d leaks", pii, tried, leaks)
	}
}

// TestBenignCorpusScrubber: debugging text arrives unchanged as a message,
// an error's text and an attribute value, with the default options.
func TestBenignCorpusScrubber(t *testing.T) {
	entries := corpus.BenignTexts(t, corpusDir)
	require.GreaterOrEqual(t, len(entries), 60)
	s := scrub.New(scrub.Options{})
	unchanged := 0
	for _, e := range entries {
		name, text := e.Name, e.Text
		ev := &protocol.Event{
			Message:   &protocol.LogEntry{Formatted: text},
			Exception: []protocol.Exception{{Value: text}},
			Contexts:  map[string]map[string]any{"log": {"detail": text}},
		}
		s.Scrub(ev)
		ok := assert.Equal(t, text, ev.Message.Formatted, "%s as a message", name)
		ok = assert.Equal(t, text, ev.Exception[0].Value, "%s as an error", name) && ok
		ok = assert.Equal(t, text, ev.Contexts["log"]["detail"], "%s as an attribute", name) && ok
		if ok {
			unchanged++
		}
	}
	t.Logf("benign: %d/%d unchanged", unchanged, len(entries))
}
