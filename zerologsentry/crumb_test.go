package zerologsentry

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLastMessage(t *testing.T) {
	tests := []struct{ line, msg string }{
		{`{"a":1,"message":"hi"}` + "\n", "hi"},
		{`{"message":"only"}`, "only"},
		{`{"a":1,"message":"esc \"q\" \u00e9"}`, `esc "q" é`},
		{`{"a":1,"message":"not last","b":2}`, ""},
		{`{"d":{"message":"nested"}}`, ""},
		{`{"a":"x,\"message\":\"fake\"}"}`, ""},
		{`{"a":1}`, ""},
		{`no json`, ""},
		{`{"message":"unterminated}`, ""},
	}
	for _, tt := range tests {
		msg, _, found := lastMessage(tt.line)
		assert.Equal(t, tt.msg, msg, tt.line)
		assert.Equal(t, tt.msg != "", found, tt.line)
	}
}

// TestTimeBeforeCached: the whole-field compare of the last second parsed
// finds what the parse finds, and no more.
func TestTimeBeforeCached(t *testing.T) {
	_, ok := parseTime(`"2020-01-02T03:04:05Z"`) // the last second parsed
	require.True(t, ok)
	want := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for line, found := range map[string]bool{
		`{"a":1,"time":"2020-01-02T03:04:05Z","message":"m"}`: true,
		`{"time":"2020-01-02T03:04:05Z"}`:                     true,
		`{"d":{"time":"2020-01-02T03:04:05Z"},"message":"m"}`: false,
		`{"xtime":"2020-01-02T03:04:05Z","message":"m"}`:      false,
		`{"a":""time":"2020-01-02T03:04:05Z"","message":"m"}`: false,
	} {
		_, at, _ := lastMessage(line)
		got, ok := timeBefore(line, at)
		assert.Equal(t, found, ok, line)
		if found {
			assert.True(t, got.Equal(want), line) // long past: not refined by the clock
		}
	}
}

// TestNanosFit: a timestamp is moved by the clock only when its Unix
// nanoseconds are defined.
func TestNanosFit(t *testing.T) {
	assert.True(t, nanosFit(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)))
	assert.True(t, nanosFit(time.Unix(0, math.MaxInt64)))
	assert.False(t, nanosFit(time.Unix(0, math.MaxInt64).Add(time.Nanosecond)))
	assert.False(t, nanosFit(time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)))
	assert.False(t, nanosFit(time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)))
}

func TestTimeBefore(t *testing.T) {
	ok := func(line string) bool {
		_, at, _ := lastMessage(line)
		_, found := timeBefore(line, at)
		return found
	}
	assert.True(t, ok(`{"a":1,"time":"2020-01-02T03:04:05Z","message":"m"}`))
	assert.True(t, ok(`{"time":"2020-01-02T03:04:05Z"}`))
	assert.False(t, ok(`{"time":"2020-01-02T03:04:05Z","a":1,"message":"m"}`), "not right before")
	assert.False(t, ok(`{"d":{"time":"2020-01-02T03:04:05Z"},"message":"m"}`), "in a dict")
	assert.False(t, ok(`{"a":"x","time":"bad","message":"m"}`))
	got, found := timeBefore(`{"time":"2020-01-02T03:04:05Z","message":"m"}`, 30)
	assert.True(t, found)
	assert.True(t, got.Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)))
}

// TestWallNow: wallNow agrees with the clock, and reads the wall clock
// again once its anchor is a second old.
func TestWallNow(t *testing.T) {
	before := time.Now()
	got := time.Unix(0, wallNow())
	after := time.Now()
	assert.False(t, got.Before(before.Add(-time.Millisecond)), "not before the clock")
	assert.False(t, got.After(after.Add(time.Millisecond)), "not after the clock")

	// A fresh anchor is what the result counts from: one an hour ahead
	// gives a time an hour ahead.
	clockAnchor.Store(&clockReading{mono: time.Since(procStart), wall: time.Now().Add(time.Hour).UnixNano()})
	assert.WithinDuration(t, time.Now().Add(time.Hour), time.Unix(0, wallNow()), 100*time.Millisecond)

	// An anchor two seconds old, with a wall reading an hour off: were it
	// used, the result would be an hour off too.
	old := &clockReading{mono: time.Since(procStart) - 2*time.Second, wall: time.Now().Add(-time.Hour).UnixNano()}
	clockAnchor.Store(old)
	got = time.Unix(0, wallNow())
	assert.WithinDuration(t, time.Now(), got, 100*time.Millisecond, "a stale anchor is replaced")
	assert.NotSame(t, old, clockAnchor.Load())
}
