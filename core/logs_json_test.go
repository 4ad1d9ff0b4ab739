package core

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appendJSONString writes every byte so that JSON reads the string back,
// invalid UTF-8 as U+FFFD, and never writes U+2028 or U+2029 raw.
func TestAppendJSONString(t *testing.T) {
	var all strings.Builder
	for c := range 256 {
		all.WriteByte(byte(c))
	}
	for _, s := range []string{"", "plain", `q"uo\te`, "line\nbreak\r\t\x00\x1f\x7f", "ümlaut ✓ 😀",
		"\xff\xfe bad", "a\u2028b\u2029c", all.String(), strings.Repeat("x", 100) + "\x01"} {
		b := appendJSONString(nil, s)
		var got string
		require.NoError(t, json.Unmarshal(b, &got), "%q", b)
		var want strings.Builder
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			want.WriteRune(r) // an invalid byte: U+FFFD
			i += n
		}
		assert.Equal(t, want.String(), got, "%q", s)
		assert.NotContains(t, string(b), "\u2028")
		assert.NotContains(t, string(b), "\u2029")
	}
}

// The worker writes durations as time.Duration.String does.
func TestAppendDuration(t *testing.T) {
	ds := []time.Duration{0, 1, 999, 1000, 1001, 1500, 999999, 1000000, 1234567, 3 * time.Millisecond,
		999999999, time.Second, 1500 * time.Millisecond, time.Minute, 61 * time.Second, time.Hour + 1,
		100*time.Hour + 59*time.Minute + 59*time.Second + 999999999, math.MaxInt64, math.MinInt64, -1, -1500 * time.Millisecond}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		ds = append(ds, time.Duration(r.Int64()>>r.IntN(63)), -time.Duration(r.Int64N(int64(time.Hour))))
	}
	var lt logText
	for _, d := range ds {
		assert.Equal(t, d.String(), string(appendDuration(nil, d)), "%d", int64(d))
		assert.Equal(t, d.String(), lt.duration(d), "%d", int64(d))
	}
}
