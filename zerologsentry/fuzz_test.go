package zerologsentry

import (
	"testing"
)

// The line readers never panic, whatever the bytes.
func FuzzLine(f *testing.F) {
	for _, s := range []string{
		`{"level":"info","time":"2020-01-02T03:04:05Z","a":1,"message":"m"}`,
		`{"a":{"b":[1,2.5,"x",{"c":null}]},"error":"e","stack":[{"func":"f","source":"s.go","line":"3"}]}`,
		`{"\u0000sentrylog":12,"stack":["\u0000sentrylog#3"],"s":"\ud83d\ude00\u00"}`,
		`{"a":"\`, `[`, `{"a":1e999,"b":-}`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		var d decoder
		_ = d.decodeLine(string(p))
		_, at, _ := lastMessage(string(p))
		_, _ = timeBefore(string(p), at)
		_ = decodeFields(string(p), true, true)
		_ = parseStack(string(p), nil)
	})
}
