package probe_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

// TestProbeCutAtRuneBoundary: a value cut at the limit keeps every whole
// rune before the cut, and stays valid UTF-8, wherever the boundary falls.
func TestProbeCutAtRuneBoundary(t *testing.T) {
	for pad := 0; pad < 4; pad++ {
		for _, r := range []string{"é", "€", "😀"} {
			s := strings.Repeat("a", 8192-pad) + strings.Repeat(r, 20)
			c, mt := testclient.New(t, core.Options{})
			bridges[0].make(c)(context.Background(), true, s, kv{"v", s}, kv{"error", errors.New(s)})
			ev := oneEvent(t, c, mt)
			for _, got := range []string{ev.Message.Formatted, logCtx(t, ev)["v"].(string), ev.Exception[len(ev.Exception)-1].Value} {
				require.True(t, utf8.ValidString(got))
				i := strings.Index(got, "...[truncated")
				require.Positive(t, i, "marked")
				kept := got[:i]
				assert.True(t, strings.HasPrefix(s, kept))
				// Every rune that fits in 8,192 bytes is kept.
				fit := 0
				for j, rr := range s {
					if j+utf8.RuneLen(rr) > 8192-len("...[truncated from 99999 bytes]") {
						break
					}
					fit = j + utf8.RuneLen(rr)
				}
				assert.GreaterOrEqual(t, len(kept)+utf8.UTFMax, fit, "pad %d rune %q", pad, r)
				assert.LessOrEqual(t, len(got), 8192)
			}
		}
	}
}

// TestProbeCaptureEventLevel: a hand-built event without a level is an
// error; with one, that level.
func TestProbeCaptureEventLevel(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	c.CaptureEvent(context.Background(), &core.Event{Message: &protocol.LogEntry{Formatted: "no level"}})
	c.CaptureEvent(context.Background(), &core.Event{Message: &protocol.LogEntry{Formatted: "warn"}, Level: core.LevelWarning})
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 2)
	assert.Equal(t, core.LevelError, evs[0].Level)
	assert.Equal(t, core.LevelWarning, evs[1].Level)
}

// TestProbeAfterClose: captures after Close through the API are counted.
// (The bridges document that a closed client disables them: their records
// after Close are not captures, and are not counted.)
func TestProbeAfterClose(t *testing.T) {
	c, _ := testclient.New(t, core.Options{})
	require.True(t, c.Close(context.Background()))
	before := c.Stats()
	c.CaptureException(context.Background(), errors.New("late"))
	c.CaptureMessage(context.Background(), "late", core.LevelError)
	c.CaptureEvent(context.Background(), &core.Event{})
	for _, b := range bridges {
		b.make(c)(context.Background(), true, "late", kv{"error", errors.New("late")})
	}
	after := c.Stats()
	assert.Equal(t, before.Captured+3+int64(len(bridges)), after.Captured, "the bridges' events are captured and dropped")
	var dropped int64
	for _, v := range after.Dropped {
		dropped += v
	}
	assert.Equal(t, after.Captured, after.Delivered+after.Spooled+dropped)
}
