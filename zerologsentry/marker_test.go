package zerologsentry

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCutMarkers(t *testing.T) {
	// {T<n>} in a line stands for the token of id n.
	tok := func(s string) string {
		return regexp.MustCompile(`\{T(\d+)\}`).ReplaceAllStringFunc(s, func(m string) string {
			n, _ := strconv.ParseUint(m[2:len(m)-1], 10, 32)
			return strconv.FormatUint(token(uint32(n)), 10)
		})
	}
	tests := []struct {
		in, out  string
		ctx, err uint32 // ids
	}{
		{`{"a":1,"\u0000sentrylog":{T17},"message":"m"}`, `{"a":1,"message":"m"}`, 17, 0},
		{`{"\u0000sentrylog":{T3},"message":"m"}`, `{"message":"m"}`, 3, 0},
		{`{"\u0000sentrylog":{T3}}`, `{}`, 3, 0},
		{`{"stack":[{"func":"f"},"\u0000sentrylog#{T9}"],"error":"e"}`, `{"stack":[{"func":"f"}],"error":"e"}`, 0, 9},
		{`{"stack":["\u0000sentrylog#{T9}"],"\u0000sentrylog":{T4}}`, `{"stack":[]}`, 4, 9},
		// Look-alikes stay: texts, and numbers that are no token.
		{`{"x":"\u0000sentrylog#12","y":"\u0000sentrylog","z":"\u0000sentrylog\":1"}`,
			`{"x":"\u0000sentrylog#12","y":"\u0000sentrylog","z":"\u0000sentrylog\":1"}`, 0, 0},
		{`{"\u0000sentrylog":"v","\u0000sentrylog":0,"\u0000sentrylog":x}`,
			`{"\u0000sentrylog":"v","\u0000sentrylog":0,"\u0000sentrylog":x}`, 0, 0},
		{`{"\u0000sentrylog":17,"s":["\u0000sentrylog#17"]}`, `{"\u0000sentrylog":17,"s":["\u0000sentrylog#17"]}`, 0, 0},
		{`{"a":["\u0000sentrylog#"]}`, `{"a":["\u0000sentrylog#"]}`, 0, 0},
		{`"\u0000sentrylog`, `"\u0000sentrylog`, 0, 0},
		{`{"\u0000sentrylog":99999999999999999999999}`, `{"\u0000sentrylog":99999999999999999999999}`, 0, 0},
		{`{"\u0000sentrylog":18446744073709551616}`, `{"\u0000sentrylog":18446744073709551616}`, 0, 0},
		// A forged number before the hook's: the hook's is the one read.
		{`{"\u0000sentrylog":5,"\u0000sentrylog":{T6}}`, `{"\u0000sentrylog":5}`, 6, 0},
		// Backslashes before the marker, and one that ends the line.
		{`{"p":"C:\\x\"\\","\u0000sentrylog":{T5},"message":"\\"}`, `{"p":"C:\\x\"\\","message":"\\"}`, 5, 0},
		{`{"a":"\u0000sentrylo\u0000sentrylog","\u0000sentrylog":{T6}}\`, `{"a":"\u0000sentrylo\u0000sentrylog"}\`, 6, 0},
	}
	for _, tt := range tests {
		in := tok(tt.in)
		got, m := cutMarkers(nil, []byte(in))
		assert.Equal(t, tt.out, string(got), in)
		want := markers{}
		if tt.ctx != 0 {
			want.ctx = token(tt.ctx)
		}
		if tt.err != 0 {
			want.err = token(tt.err)
		}
		assert.Equal(t, want, m, in)
	}
	// The largest ids make 20-digit tokens, read to the last digit.
	big := token(math.MaxUint32)
	require.Len(t, strconv.FormatUint(big, 10), 20)
	got, m := cutMarkers(nil, []byte(`{"a":1,"\u0000sentrylog":`+strconv.FormatUint(big, 10)+`}`))
	assert.Equal(t, `{"a":1}`, string(got))
	assert.Equal(t, markers{ctx: big}, m)
}

// TestIndexMarker: the backslash search finds what bytes.Index finds.
func TestIndexMarker(t *testing.T) {
	for _, s := range []string{
		"", `\`, `\\\\`, markerSearch, `\` + markerSearch, `ab\u0000sentrylo\u0000sentrylog`,
		`{"a":"\\\\"}`, markerSearch[:len(markerSearch)-1], "x" + markerSearch + markerSearch,
	} {
		assert.Equal(t, strings.Index(s, markerSearch), indexMarker([]byte(s)), s)
	}
}

// TestHandoffTokens: only the token put returns takes the value: not its
// id, not a token with another check, not a number a program could log.
func TestHandoffTokens(t *testing.T) {
	var h handoff
	tok := h.put("v")
	id := tok >> 32
	for _, forged := range []uint64{id, tok ^ 1, tok + 1<<32, id << 32, 1, math.MaxUint64} {
		_, ok := h.take(forged)
		assert.False(t, ok, "%d", forged)
	}
	v, ok := h.take(tok)
	assert.True(t, ok)
	assert.Equal(t, "v", v)

	// The id counter wraps past 0.
	h.next.Store(math.MaxUint32)
	tok = h.put("w")
	assert.Equal(t, uint64(1), tok>>32)
	v, ok = h.take(tok)
	assert.True(t, ok)
	assert.Equal(t, "w", v)
}

func TestHandoff(t *testing.T) {
	var h handoff
	ids := make([]uint64, 0, handoffSlots+maxOverflow+10)
	for i := 0; i < cap(ids); i++ {
		ids = append(ids, h.put(i))
	}
	// All slots and the overflow are full of young values: the last ones
	// are refused.
	assert.Zero(t, ids[len(ids)-1])
	for i, id := range ids {
		v, ok := h.take(id)
		if id == 0 {
			assert.False(t, ok)
			continue
		}
		assert.True(t, ok, i)
		assert.Equal(t, i, v)
		_, again := h.take(id)
		assert.False(t, again)
	}
	assert.Empty(t, h.overflow)

	// A value never taken is replaced once it is stale.
	first := h.put("lost")
	h.next.Add(staleAfter - 1) // the next number falls on the same slot
	id := h.put("new")
	assert.Equal(t, first>>32%handoffSlots, id>>32%handoffSlots, "the same slot")
	assert.NotZero(t, id)
	_, ok := h.take(first)
	assert.False(t, ok)
	v, ok := h.take(id)
	assert.True(t, ok)
	assert.Equal(t, "new", v)
}
