package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/corpus"
	"github.com/sentrylog/sentrylog/logrussentry"
	"github.com/sentrylog/sentrylog/sentryhttp"
	"github.com/sentrylog/sentrylog/sentrytest"
	"github.com/sentrylog/sentrylog/slogsentry"
	"github.com/sentrylog/sentrylog/zapsentry"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// The corpora (see internal/corpus) are in testdata.

// logCase is one record a bridge logs for one place: at Error level with
// the record's own fields, after an Info record when crumb is set.
type logCase struct {
	msg    string
	fields []slog.Attr // the record's fields, in slog's terms
	crumb  *logCase    // an Info record logged first (a breadcrumb)
}

// bridgeLog logs c through one bridge on ctx.
type bridgeLog func(c *core.Client, ctx context.Context, lc logCase)

// zapFields converts the slog fields of a case.
func zapFields(attrs []slog.Attr) []zap.Field {
	var out []zap.Field
	for _, a := range attrs {
		switch v := a.Value; v.Kind() {
		case slog.KindGroup:
			g := v.Group()
			out = append(out, zap.Object(a.Key, zapcore.ObjectMarshalerFunc(func(enc zapcore.ObjectEncoder) error {
				for _, ga := range g {
					enc.AddString(ga.Key, ga.Value.String())
				}
				return nil
			})))
		case slog.KindAny:
			switch x := v.Any().(type) {
			case error:
				out = append(out, zap.NamedError(a.Key, x))
			case []string:
				out = append(out, zap.Strings(a.Key, x))
			default:
				out = append(out, zap.Any(a.Key, x))
			}
		default:
			out = append(out, zap.String(a.Key, v.String()))
		}
	}
	return out
}

// zerologFields adds the slog fields of a case to a zerolog event.
func zerologFields(e *zerolog.Event, attrs []slog.Attr) *zerolog.Event {
	for _, a := range attrs {
		switch v := a.Value; v.Kind() {
		case slog.KindGroup:
			d := zerolog.Dict()
			for _, ga := range v.Group() {
				d = d.Str(ga.Key, ga.Value.String())
			}
			e = e.Dict(a.Key, d)
		case slog.KindAny:
			switch x := v.Any().(type) {
			case error:
				e = e.AnErr(a.Key, x)
			case []string:
				e = e.Strs(a.Key, x)
			default:
				e = e.Interface(a.Key, x)
			}
		default:
			e = e.Str(a.Key, v.String())
		}
	}
	return e
}

// logrusFields converts the slog fields of a case: groups become nested
// logrus.Fields, other values are kept as they are.
func logrusFields(attrs []slog.Attr) logrus.Fields {
	out := logrus.Fields{}
	for _, a := range attrs {
		switch v := a.Value; v.Kind() {
		case slog.KindGroup:
			out[a.Key] = logrusFields(v.Group())
		case slog.KindAny:
			out[a.Key] = v.Any()
		default:
			out[a.Key] = v.String()
		}
	}
	return out
}

// corpusLogs turns Sentry logs on (at Info) in the corpus bridges, for the
// logs corpus test; the tests of this package run one at a time.
var corpusLogs bool

// logsAt returns the level of a bridge's LogsLevel: Info when corpusLogs
// is set, else off.
func logsAt[L any](info, off L) L {
	if corpusLogs {
		return info
	}
	return off
}

var corpusBridges = []struct {
	name string
	log  bridgeLog
}{
	{"slog", func(c *core.Client, ctx context.Context, lc logCase) {
		l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, TagKeys: []string{"note_tag"},
			LogsLevel: logsAt(slog.LevelInfo, slogsentry.LevelOff)}))
		if lc.crumb != nil {
			l.LogAttrs(ctx, slog.LevelInfo, lc.crumb.msg, lc.crumb.fields...)
		}
		l.LogAttrs(ctx, slog.LevelError, lc.msg, lc.fields...)
	}},
	{"zap", func(c *core.Client, ctx context.Context, lc logCase) {
		l := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c, TagKeys: []string{"note_tag"},
			LogsLevel: logsAt[zapcore.LevelEnabler](zapcore.InfoLevel, zapsentry.LevelOff)})).With(zapsentry.Context(ctx))
		if lc.crumb != nil {
			l.Info(lc.crumb.msg, zapFields(lc.crumb.fields)...)
		}
		l.Error(lc.msg, zapFields(lc.fields)...)
	}},
	{"zerolog", func(c *core.Client, ctx context.Context, lc logCase) {
		w := zerologsentry.NewWriter(io.Discard, zerologsentry.Options{Client: c, TagKeys: []string{"note_tag"},
			LogsLevel: zerologsentry.Level(logsAt(zerolog.InfoLevel, zerologsentry.LevelOff))})
		l := zerolog.New(w).Hook(w)
		if lc.crumb != nil {
			zerologFields(l.Info().Ctx(ctx), lc.crumb.fields).Msg(lc.crumb.msg)
		}
		zerologFields(l.Error().Ctx(ctx), lc.fields).Msg(lc.msg)
	}},
	{"logrus", func(c *core.Client, ctx context.Context, lc logCase) {
		l := logrus.New()
		l.Out = io.Discard
		l.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c, TagKeys: []string{"note_tag"},
			LogsLevel: logrussentry.Level(logsAt(logrus.InfoLevel, logrussentry.LevelOff))}))
		if lc.crumb != nil {
			l.WithContext(ctx).WithFields(logrusFields(lc.crumb.fields)).Info(lc.crumb.msg)
		}
		l.WithContext(ctx).WithFields(logrusFields(lc.fields)).Error(lc.msg)
	}},
}

// corpusPlace puts a text in one place of what a program logs while serving
// a request: in the record (through the bridge), on the request's scope, or
// in the request itself (described by sentryhttp).
type corpusPlace struct {
	name string
	// request returns the request served; nil: a plain GET.
	request func(text string) *http.Request
	// scope sets data on the request's scope before logging.
	scope func(ctx context.Context, text string)
	// record returns what is logged.
	record func(text string, r *http.Request) logCase
	// only names the bridges that can carry the place (empty: all).
	only string
}

func plain(string, *http.Request) logCase { return logCase{msg: "checkout failed"} }

var corpusPlaces = []corpusPlace{
	{name: "message", record: func(s string, _ *http.Request) logCase { return logCase{msg: "op failed: " + s} }},
	{name: "attr", record: func(s string, _ *http.Request) logCase {
		return logCase{msg: "checkout failed", fields: []slog.Attr{slog.String("note", s)}}
	}},
	{name: "denied-key", record: func(s string, _ *http.Request) logCase {
		return logCase{msg: "checkout failed", fields: []slog.Attr{slog.String("password", s)}}
	}},
	{name: "nested", record: func(s string, _ *http.Request) logCase {
		return logCase{msg: "checkout failed", fields: []slog.Attr{slog.Group("db", slog.String("host", "db.internal"), slog.String("detail", s))}}
	}},
	{name: "error", record: func(s string, _ *http.Request) logCase {
		return logCase{msg: "checkout failed", fields: []slog.Attr{slog.Any("error", fmt.Errorf("charge: %w", errors.New("connect: "+s)))}}
	}},
	{name: "tag", record: func(s string, _ *http.Request) logCase {
		return logCase{msg: "checkout failed", fields: []slog.Attr{slog.String("note_tag", s)}}
	}},
	{name: "fingerprint", record: func(s string, _ *http.Request) logCase {
		return logCase{msg: "checkout failed", fields: []slog.Attr{slog.Any("fingerprint", []string{"checkout", s})}}
	}},
	{name: "user", record: func(s string, _ *http.Request) logCase {
		return logCase{msg: "checkout failed", fields: []slog.Attr{slog.Group("user", slog.String("id", "u-1"), slog.String("note", s))}}
	}},
	{name: "breadcrumb-message", record: func(s string, _ *http.Request) logCase {
		return logCase{msg: "checkout failed", crumb: &logCase{msg: "step: " + s}}
	}},
	{name: "breadcrumb-data", record: func(s string, _ *http.Request) logCase {
		return logCase{msg: "checkout failed", crumb: &logCase{msg: "step", fields: []slog.Attr{slog.String("note", s)}}}
	}},
	{name: "scope-context", record: plain, scope: func(ctx context.Context, s string) {
		core.SetContext(ctx, "order", map[string]any{"id": "o-1", "note": s})
	}},
	{name: "scope-tag", record: plain, scope: func(ctx context.Context, s string) { core.SetTag(ctx, "note", s) }},
	{name: "scope-extra", record: plain, scope: func(ctx context.Context, s string) {
		core.IsolationScope(ctx).SetExtra("note", s)
	}},
	{name: "scope-user", record: plain, scope: func(ctx context.Context, s string) {
		core.SetUser(ctx, &core.User{ID: "u-1", Data: map[string]any{"note": s}})
	}},
	{name: "url", record: plain, request: func(s string) *http.Request {
		return httptest.NewRequest("GET", "http://shop.test/p/"+url.PathEscape(s), nil)
	}},
	{name: "query", record: plain, request: func(s string) *http.Request {
		return httptest.NewRequest("GET", "http://shop.test/p?page=2&note="+url.QueryEscape(s), nil)
	}},
	{name: "form-body", record: plain, request: func(s string) *http.Request {
		r := httptest.NewRequest("POST", "http://shop.test/p", strings.NewReader("page=2&note="+url.QueryEscape(s)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}},
	{name: "header", record: plain, request: func(s string) *http.Request {
		r := httptest.NewRequest("GET", "http://shop.test/p", nil)
		r.Header["X-Debug-Note"] = []string{s}
		return r
	}},
	{name: "cookie", record: plain, request: func(s string) *http.Request {
		// Sent only with SendDefaultPII; a cookie value carries no spaces.
		r := httptest.NewRequest("GET", "http://shop.test/p", nil)
		r.Header.Set("Cookie", "prefs="+url.QueryEscape(s))
		return r
	}},
	{name: "request-attr", only: "slog zap logrus", record: func(s string, _ *http.Request) logCase {
		r := httptest.NewRequest("POST", "http://shop.test/pay?note="+url.QueryEscape(s), nil)
		r.Header.Set("X-Debug-Note", url.QueryEscape(s))
		return logCase{msg: "checkout failed", fields: []slog.Attr{slog.Any("req", r)}}
	}},
}

// corpusRun is one client sending through one bridge to a raw receiver.
type corpusRun struct {
	rr     *rawReceiver
	client *core.Client
	mw     *sentryhttp.Middleware
}

func newCorpusRun(t *testing.T, opts core.Options) *corpusRun {
	t.Helper()
	rr, dsn := newRawReceiver(t)
	opts.DSN = dsn
	opts.Storm = core.StormOptions{Disabled: true}
	opts.QueueSize = 10000
	opts.AttachStacktrace = true // a message event's fingerprint is its message
	c, err := core.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(context.Background()) })
	return &corpusRun{rr: rr, client: c, mw: sentryhttp.New(sentryhttp.Options{Client: c})}
}

// serve logs one case while serving a request, tagging its events with id.
func (cr *corpusRun) serve(log bridgeLog, p corpusPlace, id, text string) {
	var r *http.Request
	if p.request != nil {
		r = p.request(text)
	} else {
		r = httptest.NewRequest("GET", "http://shop.test/p", nil)
	}
	h := cr.mw.HandleFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm() // reads the body, as a handler would
		ctx := r.Context()
		core.SetTag(ctx, "case", id)
		if p.scope != nil {
			p.scope(ctx, text)
		}
		log(cr.client, ctx, p.record(text, r))
	})
	h.ServeHTTP(httptest.NewRecorder(), r)
}

// flushAll waits for every event and returns the bodies received by the
// case tag of their event.
func (cr *corpusRun) flushAll(t *testing.T, want int) map[string][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	require.True(t, cr.client.Flush(ctx), "flush: %+v", cr.client.Stats())
	byCase := map[string][]byte{}
	cr.rr.mu.Lock()
	defer cr.rr.mu.Unlock()
	for _, b := range cr.rr.bodies {
		m := caseTag.FindSubmatch(b)
		if m == nil {
			continue // a client report
		}
		byCase[string(m[1])] = append(byCase[string(m[1])], b...)
	}
	require.Len(t, byCase, want, "every case's event arrived")
	return byCase
}

var caseTag = regexp.MustCompile(`"case":"([^"]+)"`)

// leaksIn returns the needles of sec found in b, in any wire form.
func leaksIn(b []byte, sec corpus.Secret) []string {
	var out []string
	for _, n := range sec.Needles {
		for _, f := range corpus.WireForms(n) {
			if bytes.Contains(b, []byte(f)) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// TestSecretsCorpusThroughBridges logs every secret of the corpus in every
// place a log can carry it, through each bridge, to a real HTTP receiver,
// and searches the raw bytes received (gunzipped) for each secret. Without
// SendDefaultPII every secret is tried, personal data included; with it,
// the secrets that are not personal data, and the places only sent then
// (cookies, credential headers). A run without the scrubber first shows
// that each place does carry the secrets to the receiver.
func TestSecretsCorpusThroughBridges(t *testing.T) {
	secrets := corpus.Secrets(t, "testdata")
	require.GreaterOrEqual(t, len(secrets), 40)
	if testing.Short() {
		var some []corpus.Secret
		for i := 0; i < len(secrets); i += 5 {
			some = append(some, secrets[i])
		}
		secrets = some
	}
	type figure struct{ secrets, places, tried, leaks int }
	for _, mode := range []struct {
		name string
		opts core.Options
	}{
		{"control", core.Options{SendDefaultPII: true, Scrubber: core.NoScrubber}},
		{"pii-off", core.Options{}},
		{"pii-on", core.Options{SendDefaultPII: true}},
	} {
		total := figure{}
		for _, b := range corpusBridges {
			t.Run(mode.name+"/"+b.name, func(t *testing.T) {
				cr := newCorpusRun(t, mode.opts)
				cases := map[string]corpus.Secret{}
				places := map[string]bool{}
				used := map[string]bool{}
				for si, sec := range secrets {
					if mode.name == "pii-on" && sec.PII {
						continue
					}
					used[sec.Name] = true
					for _, p := range corpusPlaces {
						if p.only != "" && !strings.Contains(p.only, b.name) {
							continue
						}
						places[p.name] = true
						id := fmt.Sprintf("%s/%d", p.name, si)
						cases[id] = sec
						cr.serve(b.log, p, id, sec.Text)
					}
				}
				got := cr.flushAll(t, len(cases))
				leaks := 0
				carried := map[string]int{} // by place, for the control run
				ids := make([]string, 0, len(cases))
				for id := range cases {
					ids = append(ids, id)
				}
				sort.Strings(ids)
				for _, id := range ids {
					sec := cases[id]
					found := leaksIn(got[id], sec)
					place := id[:strings.IndexByte(id, '/')]
					if mode.name == "control" {
						if len(found) > 0 {
							carried[place]++
						}
						continue
					}
					if len(found) > 0 {
						leaks++
						t.Errorf("%s: secret %s in %s reached the receiver as %q", b.name, sec.Name, place, found)
					}
				}
				if mode.name == "control" {
					// Every place carries the secrets without a scrubber
					// (a cookie value or a header cannot hold every text).
					for p := range places {
						require.GreaterOrEqual(t, carried[p], len(used)*7/10,
							"place %s carried %d of %d secrets without the scrubber", p, carried[p], len(used))
					}
					return
				}
				total.secrets = len(used)
				total.places += len(places)
				total.tried += len(cases)
				total.leaks += leaks
				t.Logf("%s %s: %d secrets x %d places = %d tried, %d leaks", mode.name, b.name, len(used), len(places), len(cases), leaks)
			})
		}
		if mode.name != "control" {
			t.Logf("%s: %d secrets x places x %d bridges = %d tried, %d leaks", mode.name, total.secrets, len(corpusBridges), total.tried, total.leaks)
		}
	}
}

// TestBenignCorpusThroughBridges logs every benign string as a message, an
// error's text and an attribute value through each bridge with the default
// options; each arrives exactly as written.
func TestBenignCorpusThroughBridges(t *testing.T) {
	benign := corpus.BenignTexts(t, "testdata")
	require.GreaterOrEqual(t, len(benign), 60)
	unchanged, tried := 0, 0
	for _, b := range corpusBridges {
		t.Run(b.name, func(t *testing.T) {
			sp := sentrytest.NewServer(t)
			c, err := core.New(core.Options{DSN: sp.DSN(), Storm: core.StormOptions{Disabled: true}, QueueSize: 10000})
			require.NoError(t, err)
			defer c.Close(context.Background())
			for i, bt := range benign {
				ctx := core.NewIsolationScope(context.Background())
				core.SetTag(ctx, "case", strconv.Itoa(i))
				b.log(c, ctx, logCase{msg: bt.Text, fields: []slog.Attr{
					slog.String("detail", bt.Text),
					slog.Any("error", errors.New(bt.Text)),
				}})
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			require.True(t, c.Flush(ctx))
			evs, err := sp.WaitForEvents(len(benign), 30*time.Second)
			require.NoError(t, err)
			for _, ev := range evs {
				i, err := strconv.Atoi(ev.Tags["case"])
				require.NoError(t, err)
				bt := benign[i]
				tried++
				ok := ev.Message != nil && ev.Message.Formatted == bt.Text
				ok = ok && len(ev.Exception) > 0 && ev.Exception[len(ev.Exception)-1].Value == bt.Text
				ok = ok && ev.Contexts["log"]["detail"] == bt.Text
				if !ok {
					t.Errorf("%s: %q changed: message %+v, exception %+v, detail %q", b.name, bt.Name, ev.Message, ev.Exception, ev.Contexts["log"]["detail"])
					continue
				}
				unchanged++
			}
		})
	}
	t.Logf("benign: %d strings x %d bridges, %d/%d arrived unchanged", len(benign), len(corpusBridges), unchanged, tried)
}
