package slogsentry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/fuzzbytes"
	"github.com/sentrylog/sentrylog/internal/hostile"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// fuzzAttrs reads attributes of every slog kind from fuzz bytes: each
// byte picks a kind (or opens or closes a group), the following bytes give
// its value; the keys cycle through the fuzzer's key and the keys the core
// gives a meaning (user, fingerprint, tags, error, ...).
type fuzzAttrs struct {
	fuzzbytes.Reader
	keys []string
	s    string
	n    int
}

func (f *fuzzAttrs) key() string {
	f.n++
	return f.keys[int(f.Byte())%len(f.keys)]
}

// attrs reads attributes until the data ends or a group closes.
func (f *fuzzAttrs) attrs(depth int) []slog.Attr {
	var out []slog.Attr
	for len(f.Data) > 0 && len(out) < 64 {
		op := f.Byte()
		if op%24 == 23 { // close the group
			if depth > 0 {
				return out
			}
			continue
		}
		out = append(out, f.attr(op%24, depth))
	}
	return out
}

func (f *fuzzAttrs) attr(op byte, depth int) slog.Attr {
	k := f.key()
	switch op {
	case 0:
		return slog.String(k, f.s)
	case 1:
		return slog.Int64(k, int64(f.Uint64()))
	case 2:
		return slog.Uint64(k, f.Uint64())
	case 3:
		return slog.Float64(k, math.Float64frombits(f.Uint64())) // NaN and Inf too
	case 4:
		return slog.Bool(k, f.Byte()%2 == 0)
	case 5:
		return slog.Duration(k, time.Duration(f.Uint64()))
	case 6:
		return slog.Time(k, time.Unix(0, int64(f.Uint64())).AddDate(int(int8(f.Byte()))*100, 0, 0)) // years far out of range
	case 7:
		if depth < 8 {
			return slog.Attr{Key: k, Value: slog.GroupValue(f.attrs(depth + 1)...)}
		}
		return slog.Group(k)
	case 8:
		return slog.Any(k, fmt.Errorf("%s: %w", f.s, errors.Join(errors.New(k), nil, &hostile.Err{S: f.s})))
	case 9:
		return slog.Any(k, []byte(f.s))
	case 10:
		return slog.Any(k, fuzzValuer{f.Byte(), f.s})
	case 11:
		return slog.Any(k, hostile.Stringer{Mode: f.Byte(), S: f.s})
	case 12:
		return slog.Any(k, hostile.JSON{Mode: f.Byte(), S: f.s})
	case 13:
		return slog.Any(k, []string{f.s, k, ""})
	case 14:
		return slog.Any(k, map[string]any{f.s: []any{1, f.s, nil, math.Inf(-1)}, k: map[int]string{1: f.s}})
	case 15:
		return slog.Any(k, nil)
	case 16:
		return slog.Any(k, &http.Request{Method: f.s, URL: &url.URL{Scheme: "http", Host: "127.0.0.1", Path: "/" + f.s, RawQuery: f.s},
			Header: http.Header{k: {f.s}, "Cookie": {f.s}}, Host: f.s, RemoteAddr: f.s})
	case 17:
		return slog.Any(k, &core.User{ID: f.s, Email: f.s, Data: map[string]any{k: f.s}})
	case 18:
		return slog.Any(k, struct {
			A string
			B float64
			C chan int // json cannot encode it
		}{f.s, math.NaN(), nil})
	case 19:
		return slog.Any(k, []any{f.s, int8(f.Byte()), complex(1, 2), func() {}})
	case 20:
		var nilErr *hostile.Err
		return slog.Any(k, error(nilErr)) // a typed nil error
	case 21:
		return slog.Any(k, context.Background())
	default:
		return slog.Attr{Key: "", Value: slog.StringValue(f.s)} // an empty key
	}
}

// fuzzValuer's LogValue returns a group holding another valuer, itself, a
// string, or panics. The nesting ends (mode/4 < mode): a valuer whose group
// holds itself forever overflows the stack in slog's own handlers as in
// this one (see the report of issue 10).
type fuzzValuer struct {
	mode byte
	s    string
}

func (v fuzzValuer) LogValue() slog.Value {
	switch v.mode % 4 {
	case 0:
		if v.mode == 0 {
			return slog.GroupValue(slog.String(v.s, v.s))
		}
		return slog.GroupValue(slog.String(v.s, v.s), slog.Any("inner", fuzzValuer{v.mode / 4, v.s}))
	case 1:
		return slog.AnyValue(v) // LogValue forever: slog stops after a bound
	case 2:
		panic(v.s)
	default:
		return slog.StringValue(v.s)
	}
}

var fuzzLevels = [...]slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelError + 2, slogsentry.LevelFatal}

// FuzzHandlerAttrs logs records with attributes, WithAttrs and WithGroup of
// every kind and shape built from fuzz bytes through a Handler: no panic,
// every event-level record gives one event (or one counted drop), and every
// event validates against the schema.
func FuzzHandlerAttrs(f *testing.F) {
	f.Add([]byte{0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 23, 9}, "k", "v", uint8(3))
	f.Add([]byte{7, 1, 7, 2, 0, 0, 23, 23, 17, 3, 16, 4}, "user", "a@b.c", uint8(4))
	f.Add([]byte{3, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 6, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x7f}, "big", "\xff", uint8(5))
	f.Add([]byte{10, 1, 2, 10, 1, 1, 11, 1, 1, 12, 1, 3, 12, 2, 1, 12, 3, 2, 12, 4, 0}, "fingerprint", "{{ default }}", uint8(3))
	f.Add([]byte{18, 0, 19, 1, 20, 2, 21, 3, 22, 4, 14, 5, 13, 6, 15, 7}, "tags", "x\ny", uint8(1))
	f.Add([]byte{7, 8, 7, 8, 7, 8, 7, 8, 7, 8, 7, 8, 7, 8, 7, 8, 7, 8, 8, 0}, "", "", uint8(0))

	c, mt := testclient.New(f, core.Options{Storm: core.StormOptions{Disabled: true}, MaxBreadcrumbs: 10})
	h := slogsentry.NewHandler(slogsentry.Options{Client: c, TagKeys: []string{"k", "tags", "k.k", ""}, AddSource: true})
	validate := schematest.Enabled()
	f.Fuzz(func(t *testing.T, data []byte, key, s string, level uint8) {
		mt.Reset()
		before := c.Stats()
		fa := &fuzzAttrs{Reader: fuzzbytes.Reader{Data: data}, s: s,
			keys: []string{key, "user", "user.id", "fingerprint", "tags", "error", "err", "k", s, "user.email", ""}}
		var hd slog.Handler = h
		if fa.Byte()%2 == 0 {
			hd = hd.WithAttrs(fa.attrs(0))
		}
		if g := fa.Byte(); g%3 == 0 {
			hd = hd.WithGroup(key)
		} else if g%3 == 1 {
			hd = hd.WithGroup("")
		}
		logger := slog.New(hd)
		ctx := core.NewIsolationScope(context.Background())
		lvl := fuzzLevels[int(level)%len(fuzzLevels)]
		crumbs := fa.attrs(0)
		logger.LogAttrs(ctx, slog.LevelInfo, s, crumbs...)
		attrs := fa.attrs(0)
		logger.LogAttrs(ctx, lvl, s, attrs...)
		// A record of slog's own, zero time and all.
		r := slog.NewRecord(time.Time{}, slog.LevelError, key, 0)
		r.AddAttrs(attrs...)
		_ = hd.Handle(ctx, r)

		want := int64(1)
		if lvl >= slog.LevelError {
			want++
		}
		testclient.Accounted(t, c, mt, before, want, validate)
	})
}
