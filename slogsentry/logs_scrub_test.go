package slogsentry_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/corpus"
	"github.com/sentrylog/sentrylog/internal/logcheck"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/scrub"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// Logs that repeat the one before them in part or whole are scrubbed as if
// they did not: over HTTP, with the client's own scrubber, one of package
// scrub built by the program, and BeforeSendLog, no secret of the corpus
// reaches the receiver, whichever attribute or body of a log repeats the
// previous log's, and each log arrives as it does when a log unlike it
// comes between it and the one before.
func TestLogsRepeatsScrubbed(t *testing.T) {
	secrets := corpus.Secrets(t, "../e2e/testdata")
	if race.Enabled {
		// A quarter of the corpus: the race detector makes the whole slow,
		// and the test's point there is the pipeline's memory, not each secret.
		var some []corpus.Secret
		for i := 0; i < len(secrets); i += 4 {
			some = append(some, secrets[i])
		}
		secrets = some
	}
	modes := []struct {
		name string
		opts func() core.Options
	}{
		{"default", func() core.Options { return core.Options{} }},
		{"scrub.New", func() core.Options {
			return core.Options{Scrubber: scrub.New(scrub.Options{ExtraKeys: []string{"ssn"}})}
		}},
		{"before-send-log", func() core.Options {
			return core.Options{BeforeSendLog: func(l *core.Log) *core.Log { return l }}
		}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			got := repeatedLogs(t, mode.opts(), secrets, false)
			want := repeatedLogs(t, mode.opts(), secrets, true)
			require.Len(t, got, 9*len(secrets))
			require.Len(t, want, len(got))
			var all strings.Builder
			for i := range got {
				assert.Equal(t, want[i], got[i], "log %d (secret %s)", i, secrets[i/9].Name)
				for _, s := range got[i] {
					all.WriteString(s + "\x00")
				}
			}
			text := all.String()
			for _, s := range secrets {
				for _, needle := range s.Needles {
					assert.False(t, strings.Contains(text, needle), "%s: %q sent", s.Name, needle)
				}
			}
		})
	}
}

// repeatedLogs logs each secret in logs that repeat their predecessor in
// part or whole, through slogsentry to a receiver on loopback, and returns
// each log's body and attributes as the receiver got them. With apart, a
// log of other keys and body goes before each one.
func repeatedLogs(t *testing.T, opts core.Options, secrets []corpus.Secret, apart bool) [][]string {
	rc := testclient.NewReceiver(t)
	opts.DSN = rc.DSN
	opts.Spotlight = "0"
	c, err := core.New(opts)
	require.NoError(t, err)
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, LogsLevel: slog.LevelInfo, EventLevel: slogsentry.LevelOff}))
	const benign = "order 1234 shipped"
	sep := 0
	info := func(msg string, args ...any) {
		if apart {
			sep++
			l.Info("apart", "apart", sep)
		}
		l.Info(msg, args...)
	}
	for i, s := range secrets {
		if i%5 == 4 {
			// Batches of at most 100 logs, none dropped for want of room.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			require.True(t, c.Flush(ctx))
			cancel()
		}
		S := s.Text
		info(benign, "note", benign, "detail", benign, "n", 1)
		info(benign, "note", benign, "detail", S, "n", 1)   // an attribute differs
		info(benign, "note", benign, "detail", S, "n", 1)   // the whole log repeats
		info(S, "note", benign, "detail", S, "n", 1)        // the body differs
		info(S, "note", S, "detail", benign, "n", 1)        // attributes swap
		info(benign, "detail", S, "note", benign, "n", 1)   // same values, other places
		info(benign, "password", benign, "n", 1)            // denied by key
		info(benign, "password", benign, "n", 1)            // and repeated
		info(benign, "passcode", benign, "pass", S, "n", 1) // keys differ
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.True(t, c.Close(ctx))
	st := c.Stats()
	require.Empty(t, st.Dropped)
	var out [][]string
	for _, b := range rc.Bodies() {
		ls, err := logcheck.CheckBody(b)
		require.NoError(t, err)
		for _, lg := range ls {
			if lg.Body == "apart" {
				continue
			}
			f := []string{lg.Body}
			for _, k := range []string{"note", "detail", "password", "passcode", "pass", "n"} {
				if v, ok := lg.Attributes[k]; ok {
					f = append(f, k, fmt.Sprint(v))
				}
			}
			out = append(out, f)
		}
	}
	return out
}
