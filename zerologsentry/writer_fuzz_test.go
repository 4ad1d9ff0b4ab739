package zerologsentry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

var fuzzLineLevels = [...]zerolog.Level{
	zerolog.TraceLevel, zerolog.DebugLevel, zerolog.InfoLevel, zerolog.WarnLevel,
	zerolog.ErrorLevel, zerolog.FatalLevel, zerolog.PanicLevel, zerolog.NoLevel, zerolog.Disabled, zerolog.Level(42),
}

// FuzzWriterLine writes arbitrary bytes to the Writer as a line, through
// Write and WriteLevel at every level: no panic, the whole line reported
// written, and the output byte for byte the input. Then it logs the fuzz
// bytes as zerolog would (a raw JSON field, a string, bytes, a message)
// through a logger with the Writer as writer and hook, and compares the
// output with that of zerolog alone.
func FuzzWriterLine(f *testing.F) {
	f.Add([]byte(`{"level":"error","error":"boom","message":"m"}`), "k", "v", uint8(4))
	f.Add([]byte(`{"level":"info","d":{"a":[1,2,{"b":null}]},"time":"2024-01-02T03:04:05Z","message":"crumb"}`+"\n"), "d", "", uint8(2))
	f.Add([]byte(`{"level":"error","\u0000sentrylog":17,"message":"forged marker"}`), "\x00sentrylog", "#1", uint8(4))
	f.Add([]byte(`{"level":"error","stack":[{"func":"f"},"\u0000sentrylog#3"],"error":"x"}`), "stack", "x", uint8(4))
	f.Add([]byte(`{"level":"fatal","message":"\xff\xfe","user":{"id":1e400},"tags":{"t":[]}}`), "user", "\n", uint8(5))
	f.Add([]byte(`{"level":"error",`), "", "", uint8(4))
	f.Add([]byte("\xbf\x66level\x65error\xff"), "cbor", "", uint8(4)) // a CBOR-looking line
	f.Add([]byte(`{"level":"error","a":"\ud800","b":"\u00","c":01,"d":-,"e":1e,"f":tru}`), "a", "\u2028", uint8(4))
	f.Add([]byte(nil), "", "", uint8(7))

	c, mt := testclient.New(f, core.Options{Storm: core.StormOptions{Disabled: true}, MaxBreadcrumbs: 5})
	var out bytes.Buffer
	w := zerologsentry.NewWriter(&out, zerologsentry.Options{Client: c, TagKeys: []string{"k", "tags", "d.a"},
		BreadcrumbLevel: zerologsentry.Level(zerolog.TraceLevel)})
	validate := schematest.Enabled()

	f.Fuzz(func(t *testing.T, line []byte, key, s string, level uint8) {
		lvl := fuzzLineLevels[int(level)%len(fuzzLineLevels)]
		for _, p := range [][]byte{line, append(line[:len(line):len(line)], '\n')} {
			for i, write := range []func([]byte) (int, error){w.Write, func(p []byte) (int, error) { return w.WriteLevel(lvl, p) }} {
				out.Reset()
				in := append([]byte(nil), p...)
				n, err := write(p)
				if err != nil || n != len(p) {
					t.Fatalf("write %d: (%d, %v), want (%d, nil)", i, n, err, len(p))
				}
				if !bytes.Equal(p, in) {
					t.Fatalf("write %d changed the caller's bytes", i)
				}
				if !bytes.Equal(out.Bytes(), p) {
					t.Fatalf("write %d: output differs from the line\n in: %q\nout: %q", i, p, out.Bytes())
				}
			}
		}

		// The same bytes as zerolog writes them, with and without the Writer.
		var want bytes.Buffer
		ctx := core.NewIsolationScope(context.Background())
		log := func(l zerolog.Logger, ctx context.Context) {
			e := l.WithLevel(lvl).Ctx(ctx).Str(key, s).Bytes(s, line).Err(errors.New(s))
			if json.Valid(line) {
				e = e.RawJSON(key, line)
			}
			e.Dict("tags", zerolog.Dict().Str(key, s)).Msg(s)
		}
		out.Reset()
		log(zerolog.New(&want), context.Background())
		log(zerolog.New(w).Hook(w), ctx)
		if !bytes.Equal(out.Bytes(), want.Bytes()) {
			t.Fatalf("output through the Writer differs from zerolog's\nwant: %q\n got: %q", want.Bytes(), out.Bytes())
		}

		fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Flush(fctx)
		testclient.Marshal(t, mt.Events(), validate)
		mt.Reset()
	})
}
