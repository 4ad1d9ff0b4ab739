package logrussentry_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/fuzzbytes"
	"github.com/sentrylog/sentrylog/internal/hostile"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/logrussentry"
)

// ffReader reads logrus fields from fuzz bytes: each byte picks a kind of
// value, the bytes after it give it. Keys cycle through the fuzzer's key
// and the keys the core gives a meaning.
type ffReader struct {
	fuzzbytes.Reader
	keys []string
	s    string
}

func (r *ffReader) key() string { return r.keys[int(r.Byte())%len(r.keys)] }

func (r *ffReader) fields(depth int) logrus.Fields {
	out := logrus.Fields{}
	for n := 0; len(r.Data) > 0 && n < 32; n++ {
		k := r.key()
		out[k] = r.value(k, depth)
	}
	return out
}

func (r *ffReader) value(k string, depth int) any {
	s := r.s
	switch r.Byte() % 28 {
	case 0:
		return s
	case 1:
		return int(r.Uint64())
	case 2:
		return r.Uint64()
	case 3:
		return math.Float64frombits(r.Uint64()) // NaN, ±Inf too
	case 4:
		return float32(math.Float32frombits(uint32(r.Uint64())))
	case 5:
		return r.Byte()%2 == 0
	case 6:
		return time.Duration(r.Uint64())
	case 7:
		return time.Unix(0, int64(r.Uint64())).In(time.FixedZone(s, int(int32(r.Uint64())%86400)))
	case 8:
		return []byte(s)
	case 9:
		return complex(math.Float64frombits(r.Uint64()), -1)
	case 10:
		if depth > 6 {
			return nil
		}
		sub := &ffReader{Reader: fuzzbytes.Reader{Data: r.Take()}, keys: r.keys, s: s}
		return sub.fields(depth + 1)
	case 11:
		if depth > 6 {
			return nil
		}
		sub := &ffReader{Reader: fuzzbytes.Reader{Data: r.Take()}, keys: r.keys, s: s}
		return map[string]any(sub.fields(depth + 1))
	case 12:
		return fmt.Errorf("%s: %w", s, &hostile.Err{S: s})
	case 13:
		return errors.Join(errors.New(s), nil, hostile.PanicErr{})
	case 14:
		return hostile.PanicErr{}
	case 15:
		var nilErr *hostile.Err
		return nilErr // a typed nil error
	case 16:
		return hostile.Stringer{Mode: r.Byte(), S: s}
	case 17:
		return hostile.JSON{Mode: r.Byte(), S: s}
	case 18:
		return []string{"{{ default }}", s}
	case 19:
		return []any{1.5, s, nil, map[string]int{k: 1}}
	case 20:
		return struct {
			A string
			F func()
		}{A: s} // json cannot encode it
	case 21:
		return &core.User{ID: s, Email: s, Data: map[string]any{k: s}}
	case 22:
		req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/"+fmt.Sprint(r.Byte()), nil)
		return req
	case 23:
		return context.Background()
	case 24:
		return nil
	case 25:
		return func() {}
	case 26:
		return make(chan int)
	default:
		return map[int]any{int(r.Byte()): s}
	}
}

// nopFormatter writes nothing: logrus's own formatters do not survive the
// values the fuzzer makes (a panicking Error, say), which is not the hook's
// concern.
type nopFormatter struct{}

func (nopFormatter) Format(*logrus.Entry) ([]byte, error) { return nil, nil }

// FuzzFields logs records with fields of every kind, made from fuzz bytes,
// through a logger with the Hook (nested fields, errors, special keys,
// values whose methods panic): no panic, each event-level record gives one
// event or one counted drop, and every event validates against the schema.
func FuzzFields(f *testing.F) {
	f.Add([]byte{0, 0, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8}, "k", "v", uint8(2))
	f.Add([]byte{1, 10, 8, 0, 0, 1, 1, 2, 5, 3, 12, 4, 16, 0}, "user", "a@b.c", uint8(3))
	f.Add([]byte{3, 3, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 4, 11, 4, 2, 13, 5, 14}, "tags", "\xff\x00", uint8(1))
	f.Add([]byte{15, 15, 16, 0, 17, 3, 18, 19, 19, 20, 20, 21, 21, 22, 22, 23, 23, 24, 24, 25, 25, 26, 26, 27, 5}, "fingerprint", "{{ default }}", uint8(0))
	c, mt := testclient.New(f, core.Options{Storm: core.StormOptions{Disabled: true}})
	logger := logrus.New()
	logger.Formatter = nopFormatter{}
	logger.Level = logrus.TraceLevel
	logger.ExitFunc = func(int) {} // Fatal does not exit here
	logger.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c, TagKeys: []string{"k", "k.k", "tags", ""}}))
	validate := schematest.Enabled()
	f.Fuzz(func(t *testing.T, data []byte, key, s string, level uint8) {
		mt.Reset()
		before := c.Stats()
		r := &ffReader{Reader: fuzzbytes.Reader{Data: data}, s: s,
			keys: []string{key, "user", "user.id", "fingerprint", "tags", "error", "err", "k", s, "request", ""}}
		ctx := core.NewIsolationScope(context.Background())
		crumb := (&ffReader{Reader: fuzzbytes.Reader{Data: r.Take()}, keys: r.keys, s: s}).fields(0)
		fields := r.fields(0)
		lvl := logrus.AllLevels[1:][int(level)%(len(logrus.AllLevels)-1)] // not Panic
		log := logger.WithContext(ctx)
		log.WithFields(crumb).Info(s)
		log.WithFields(fields).Log(lvl, key)
		log.WithFields(fields).Error(key)

		want := int64(1)
		if lvl <= logrus.ErrorLevel {
			want++
		}
		testclient.Accounted(t, c, mt, before, want, validate)
	})
}
