package e2e

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/corpus"
)

// TestSecretsCorpusThroughLogs logs every secret of the corpus in every
// place of a record (message, attributes, groups, error texts) through each
// bridge with Sentry logs on, to a real HTTP receiver, and searches the raw
// bytes of the log items received for each secret. Logs carry neither
// request data nor scope data beyond the trace, so only the record's places
// are tried; a run without the scrubber first shows that the logs do carry
// the secrets.
func TestSecretsCorpusThroughLogs(t *testing.T) {
	secrets := corpus.Secrets(t, "testdata")
	if testing.Short() {
		var some []corpus.Secret
		for i := 0; i < len(secrets); i += 5 {
			some = append(some, secrets[i])
		}
		secrets = some
	}
	corpusLogs = true
	defer func() { corpusLogs = false }()
	var places []corpusPlace
	for _, p := range corpusPlaces {
		if p.request == nil && p.scope == nil {
			places = append(places, p)
		}
	}
	require.GreaterOrEqual(t, len(places), 5)
	for _, mode := range []struct {
		name string
		opts core.Options
	}{
		{"control", core.Options{SendDefaultPII: true, Scrubber: core.NoScrubber}},
		{"pii-off", core.Options{}},
	} {
		for _, b := range corpusBridges {
			t.Run(mode.name+"/"+b.name, func(t *testing.T) {
				opts := mode.opts
				// Every record comes from one call site: the log storm
				// cap would keep most of them from the receiver.
				opts.LogStorm = core.StormOptions{Disabled: true}
				opts.LogsBuffer = 10000
				cr := newCorpusRun(t, opts)
				cases := 0
				for si, sec := range secrets {
					for _, p := range places {
						if p.only != "" && !bytes.Contains([]byte(p.only), []byte(b.name)) {
							continue
						}
						cr.serve(b.log, p, fmt.Sprintf("%s/%d", p.name, si), sec.Text)
						cases++
					}
					// The transport holds a few log batches at a time and
					// drops (and counts) the rest of a burst: let each
					// secret's batch go before the next.
					require.True(t, cr.client.Flush(context.Background()))
				}
				cr.flushAll(t, cases)
				var logs []byte
				cr.rr.mu.Lock()
				for _, body := range cr.rr.bodies {
					if bytes.Contains(body, []byte(`"type":"log"`)) {
						logs = append(logs, body...)
					}
				}
				cr.rr.mu.Unlock()
				require.NotEmpty(t, logs, "logs arrived")
				for k, n := range cr.client.Stats().Dropped {
					assert.NotContains(t, k, "log", "%d logs dropped (%s)", n, k)
				}
				carried, leaks := 0, 0
				for _, sec := range secrets {
					found := leaksIn(logs, sec)
					if len(found) == 0 {
						continue
					}
					carried++
					if mode.name != "control" {
						leaks++
						t.Errorf("%s: secret %s reached the receiver in a log as %q", b.name, sec.Name, found)
					}
				}
				if mode.name == "control" {
					assert.GreaterOrEqual(t, carried, len(secrets)*9/10, "logs carry the secrets without the scrubber")
					return
				}
				t.Logf("%s %s: %d secrets x %d places in logs, %d leaks", mode.name, b.name, len(secrets), len(places), leaks)
			})
		}
	}
}
