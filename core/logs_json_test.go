package core

import (
	"encoding/json"
	"strings"
	"testing"
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
