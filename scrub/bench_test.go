package scrub_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/scrub"
)

// noMatchMessage is a 200-byte log line with the bytes the pre-scan looks
// at (digits, '=', '.', '-', '"') but no secret.
const noMatchMessage = `GET /api/v2/orders/8812?page=2 status=200 duration=12.5ms bytes=5120 user_id=42 ` +
	`region=eu-west-1 cache=hit upstream="orders-svc" retries=0 ` +
	`trace=4bf92f3577b34da6a3ce929d0e0e4736 note="all is good" ok!`

// typicalEvent has 20 attributes in contexts["log"] and 30 breadcrumbs with
// data, as a request handler's error would; withSecrets adds a password
// attribute and an e-mail address in one breadcrumb.
func typicalEvent(withSecrets bool) *protocol.Event {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	log := map[string]any{}
	for i := range 20 {
		switch i % 4 {
		case 0:
			log["attr_"+strconv.Itoa(i)] = "value number " + strconv.Itoa(i)
		case 1:
			log["count_"+strconv.Itoa(i)] = int64(i * 1000)
		case 2:
			log["ratio_"+strconv.Itoa(i)] = float64(i) / 7
		default:
			log["group_"+strconv.Itoa(i)] = map[string]any{"id": "a1b2c3", "ok": true}
		}
	}
	crumbs := make([]protocol.Breadcrumb, 30)
	for i := range crumbs {
		crumbs[i] = protocol.Breadcrumb{
			Timestamp: ts, Category: "http", Level: protocol.LevelInfo,
			Message: "GET /api/items/" + strconv.Itoa(i) + " status=200",
			Data:    map[string]any{"method": "GET", "status_code": int64(200), "duration_ms": 12.5},
		}
	}
	if withSecrets {
		log["db_password"] = "hunter2"
		crumbs[7].Message = "mail sent to bob@example.com"
	}
	return &protocol.Event{
		EventID: "0123456789abcdef0123456789abcdef", Timestamp: ts, Platform: "go", Level: protocol.LevelError,
		Message:     &protocol.LogEntry{Message: "request failed", Formatted: "request failed: upstream timeout after 3 retries"},
		Tags:        map[string]string{"handler": "orders", "region": "eu-west-1"},
		Contexts:    map[string]map[string]any{"log": log, "os": {"name": "linux"}, "runtime": {"name": "go", "version": "go1.26"}},
		Breadcrumbs: crumbs,
		Exception:   []protocol.Exception{{Type: "*errors.errorString", Value: "upstream timeout after 3 retries"}},
	}
}

// measureCPU reports the process's CPU time per operation as cpu-ns/op when
// the returned function is called at the end of a benchmark.
func measureCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func BenchmarkScrubTypicalEvent(b *testing.B) {
	s := scrub.New(scrub.Options{})
	for _, secrets := range []bool{false, true} {
		name := "clean"
		if secrets {
			name = "two-secrets"
		}
		tmpl := typicalEvent(secrets)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			defer measureCPU(b)()
			for b.Loop() {
				ev := *tmpl // the scrubber copies what it changes: tmpl stays as it is
				s.Scrub(&ev)
			}
		})
	}
}

func BenchmarkDetectorsNoMatch(b *testing.B) {
	s := scrub.New(scrub.Options{})
	le := &protocol.LogEntry{Formatted: noMatchMessage}
	ev := &protocol.Event{Message: le}
	b.SetBytes(int64(len(noMatchMessage)))
	b.ReportAllocs()
	defer measureCPU(b)()
	for b.Loop() {
		s.Scrub(ev)
	}
	if ev.Message != le {
		b.Fatal("the message changed")
	}
}

func BenchmarkDetectorsMatch(b *testing.B) {
	s := scrub.New(scrub.Options{})
	msg := "login for bob@example.com from 203.0.113.7 with card 4111 1111 1111 1111 password=hunter2"
	b.ReportAllocs()
	defer measureCPU(b)()
	for b.Loop() {
		ev := protocol.Event{Message: &protocol.LogEntry{Formatted: msg}}
		s.Scrub(&ev)
	}
}

func TestNoMatchAllocs(t *testing.T) {
	if race.Enabled {
		t.Skip("-race changes allocation counts")
	}
	assert.Len(t, noMatchMessage, 200)
	s := scrub.New(scrub.Options{})
	msgEv := &protocol.Event{Message: &protocol.LogEntry{Formatted: noMatchMessage, Message: noMatchMessage}}
	assert.Zero(t, testing.AllocsPerRun(100, func() { s.Scrub(msgEv) }), "a message without secrets")
	assert.Equal(t, noMatchMessage, msgEv.Message.Formatted)

	clean := typicalEvent(false)
	assert.Zero(t, testing.AllocsPerRun(100, func() { s.Scrub(clean) }), "an event without secrets")
	assert.Equal(t, typicalEvent(false), clean)

	dirty := typicalEvent(true)
	allocs := testing.AllocsPerRun(100, func() {
		ev := *dirty
		s.Scrub(&ev)
	})
	assert.NotZero(t, allocs, "the check above can fail")
	assert.LessOrEqual(t, allocs, 20.0, "only the changed containers are copied")
}

// BenchmarkScrubHugeMessage scrubs messages of 64 kB and 1 MB made of log
// lines, one in eight with a secret or percent-encoded text: the cost per
// byte (MB/s) stays the same from one size to the other when the scrubber
// is linear.
func BenchmarkScrubHugeMessage(b *testing.B) {
	s := scrub.New(scrub.Options{})
	lines := []string{
		noMatchMessage, noMatchMessage, noMatchMessage, noMatchMessage, noMatchMessage,
		"GET /search?q=caf%C3%A9+cr%C3%A8me&email=bob%40example.com&page=2 ",
		"dial shop:My5qlPassw0rd@tcp(db.internal:3306)/shop password=hunter2 ",
		"charged card 4111 1111 1111 1111 for 203.0.113.7 token ghp_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3s00 ",
	}
	for _, size := range []int{64 << 10, 1 << 20} {
		var sb strings.Builder
		for i := 0; sb.Len() < size; i++ {
			sb.WriteString(lines[i%len(lines)])
		}
		msg := sb.String()[:size]
		b.Run(strconv.Itoa(size>>10)+"kB", func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			defer measureCPU(b)()
			for b.Loop() {
				ev := protocol.Event{Message: &protocol.LogEntry{Formatted: msg}}
				s.Scrub(&ev)
			}
		})
	}
}
