package zapsentry_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/fuzzbytes"
	"github.com/sentrylog/sentrylog/internal/hostile"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// ffReader reads zap fields from fuzz bytes, the way zap's own constructors
// make them (FuzzWrite, beside, builds fields by hand): each byte picks a
// constructor, the bytes after it give the value. Keys cycle through the
// fuzzer's key and the keys the core gives a meaning.
type ffReader struct {
	fuzzbytes.Reader
	keys []string
	s    string
}

func (r *ffReader) key() string { return r.keys[int(r.Byte())%len(r.keys)] }

func (r *ffReader) fields(depth int) []zapcore.Field {
	var out []zapcore.Field
	for len(r.Data) > 0 && len(out) < 48 {
		out = append(out, r.field(depth))
	}
	return out
}

func (r *ffReader) field(depth int) zapcore.Field {
	op := r.Byte()
	k := r.key()
	s := r.s
	switch op % 40 {
	case 0:
		return zap.String(k, s)
	case 1:
		v := r.Uint64()
		switch r.Byte() % 5 {
		case 0:
			return zap.Int32(k, int32(v))
		case 1:
			return zap.Int16(k, int16(v))
		case 2:
			return zap.Int8(k, int8(v))
		case 3:
			return zap.Int(k, int(v))
		}
		return zap.Int64(k, int64(v))
	case 2:
		v := r.Uint64()
		switch r.Byte() % 5 {
		case 0:
			return zap.Uint32(k, uint32(v))
		case 1:
			return zap.Uint16(k, uint16(v))
		case 2:
			return zap.Uint8(k, uint8(v))
		case 3:
			return zap.Uint(k, uint(v))
		}
		return zap.Uint64(k, v)
	case 3:
		return zap.Float64(k, math.Float64frombits(r.Uint64())) // NaN, ±Inf too
	case 4:
		return zap.Float32(k, math.Float32frombits(uint32(r.Uint64())))
	case 5:
		return zap.Bool(k, r.Byte()%2 == 0)
	case 6:
		return zap.Duration(k, time.Duration(r.Uint64()))
	case 7:
		return zap.Time(k, time.Unix(0, int64(r.Uint64())))
	case 8: // outside UnixNano's range: TimeFullType
		return zap.Time(k, time.Date(int(int16(r.Uint64())), 1, 1, 0, 0, 0, 0, time.FixedZone(s, int(int32(r.Uint64())%86400))))
	case 9:
		return zap.Binary(k, []byte(s))
	case 10:
		return zap.ByteString(k, []byte(s))
	case 11:
		return zap.Complex128(k, complex(math.Float64frombits(r.Uint64()), -1))
	case 12:
		return zap.Complex64(k, complex(float32(int8(r.Byte())), float32(math.NaN())))
	case 13:
		return zap.Uintptr(k, uintptr(r.Uint64()))
	case 14:
		return zap.Namespace(k) // the fields after it nest under k
	case 15:
		return zap.Stringer(k, hostile.Stringer{Mode: r.Byte(), S: s})
	case 16:
		return zap.Error(fmt.Errorf("%s: %w", s, &hostile.Err{S: s}))
	case 17:
		return zap.NamedError(k, errors.Join(errors.New(s), nil, hostile.PanicErr{}))
	case 18:
		return zap.Errors(k, []error{errors.New(s), nil, hostile.PanicErr{}})
	case 19:
		return zap.Reflect(k, map[string]any{s: []any{1.5, s, nil, map[string]int{k: 1}}})
	case 20:
		return zap.Reflect(k, struct {
			A string
			F func()
		}{A: s}) // json cannot encode it
	case 21:
		return zap.Any(k, hostile.JSON{Mode: r.Byte(), S: s})
	case 22:
		return zap.Strings(k, []string{s, k, ""})
	case 23:
		return zap.Int64s(k, []int64{int64(r.Uint64()), -1})
	case 24:
		return zap.Float64s(k, []float64{math.Inf(1), math.Float64frombits(r.Uint64())})
	case 25:
		return zap.Bools(k, []bool{true, false})
	case 26:
		return zap.Durations(k, []time.Duration{time.Duration(r.Uint64())})
	case 27:
		return zap.Times(k, []time.Time{time.Unix(int64(r.Uint64()), 0)})
	case 28:
		return zap.ByteStrings(k, [][]byte{[]byte(s), nil})
	case 29:
		sub := &ffReader{Reader: fuzzbytes.Reader{Data: r.Take()}, keys: r.keys, s: s}
		if depth > 6 {
			sub.Data = nil
		}
		return zap.Object(k, ffObject{sub, depth + 1, r.Byte()})
	case 30:
		sub := &ffReader{Reader: fuzzbytes.Reader{Data: r.Take()}, keys: r.keys, s: s}
		if depth > 6 {
			sub.Data = nil
		}
		return zap.Inline(ffObject{sub, depth + 1, r.Byte()})
	case 31:
		return zap.Array(k, ffArray{r.Byte(), s, depth})
	case 32:
		return zap.Skip()
	case 33:
		return zap.Stack(k)
	case 34:
		return zap.Any(k, &core.User{ID: s, Email: s, Data: map[string]any{k: s}})
	case 35:
		return zap.Any(k, []string{"{{ default }}", s})
	case 36:
		return zap.Any(k, nil)
	case 37:
		var nilErr *hostile.Err
		return zap.NamedError(k, nilErr) // a typed nil error
	case 38:
		return zap.Any(k, hostile.Stringer{Mode: r.Byte(), S: s})
	default:
		return zapcore.Field{Key: k, Type: zapcore.FieldType(r.Byte() % 32), Integer: int64(r.Uint64()), String: s}
	}
}

// ffObject adds the fields its reader holds; mode 1 fails, mode 2 panics
// half way.
type ffObject struct {
	r     *ffReader
	depth int
	mode  byte
}

func (o ffObject) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	r := *o.r // the same fields every time the object is marshaled
	for i, f := range r.fields(o.depth) {
		if o.mode%5 == 2 && i == 1 {
			panic("MarshalLogObject panics")
		}
		f.AddTo(enc)
	}
	if o.mode%5 == 1 {
		return errors.New(r.s)
	}
	return nil
}

type ffArray struct {
	mode  byte
	s     string
	depth int
}

func (a ffArray) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	enc.AppendString(a.s)
	enc.AppendFloat64(math.NaN())
	enc.AppendTime(time.Unix(0, int64(a.mode)))
	if a.depth < 6 {
		_ = enc.AppendArray(ffArray{a.mode / 2, a.s, a.depth + 1})
		_ = enc.AppendObject(ffObject{&ffReader{keys: []string{a.s}, s: a.s}, a.depth + 1, a.mode})
	}
	_ = enc.AppendReflected(map[string]any{a.s: a.mode})
	switch a.mode % 4 {
	case 1:
		return errors.New(a.s)
	case 2:
		panic(a.s)
	}
	return nil
}

var ffLevels = [...]zapcore.Level{zapcore.DebugLevel, zapcore.InfoLevel, zapcore.WarnLevel, zapcore.ErrorLevel, zapcore.DPanicLevel}

// FuzzFields logs entries with zap fields of every FieldType, made by zap's
// constructors from fuzz bytes, through a logger with the Core (With,
// Namespace, nested objects and arrays, marshalers that fail or panic): no
// panic, each event-level entry gives one event or one counted drop, and
// every event validates against the schema.
func FuzzFields(f *testing.F) {
	f.Add([]byte{0, 0, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8}, "k", "v", uint8(3))
	f.Add([]byte{14, 0, 0, 1, 29, 2, 6, 0, 3, 16, 4, 14, 5}, "user", "a@b.c", uint8(3))
	f.Add([]byte{3, 0, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 8, 1, 0xff, 0xff, 0, 0, 0, 0, 0, 0}, "tags", "\xff\x00", uint8(4))
	f.Add([]byte{15, 0, 0, 17, 1, 18, 2, 21, 3, 1, 21, 4, 3, 31, 5, 2, 30, 6, 4, 14, 0, 2, 1}, "fingerprint", "{{ default }}", uint8(3))
	f.Add([]byte{19, 0, 20, 1, 22, 2, 23, 3, 24, 4, 25, 5, 26, 6, 27, 7, 28, 8, 32, 9, 33, 10, 34, 0, 35, 1, 36, 2, 37, 3, 38, 4, 0, 39, 5, 7}, "", "", uint8(1))
	c, mt := newClient(f)
	zc := zapsentry.NewCore(zapsentry.Options{Client: c, TagKeys: []string{"k", "k.k", "tags", ""}})
	validate := schematest.Enabled()
	f.Fuzz(func(t *testing.T, data []byte, key, s string, level uint8) {
		mt.Reset()
		before := c.Stats()
		r := &ffReader{Reader: fuzzbytes.Reader{Data: data}, s: s,
			keys: []string{key, "user", "user.id", "fingerprint", "tags", "error", "err", "k", s, "request", ""}}
		logger := zap.New(zc, zap.AddCaller(), zap.AddStacktrace(zapcore.FatalLevel)).Named(key)
		if r.Byte()%2 == 0 {
			with := &ffReader{Reader: fuzzbytes.Reader{Data: r.Take()}, keys: r.keys, s: s}
			logger = logger.With(with.fields(0)...)
		}
		crumbs := (&ffReader{Reader: fuzzbytes.Reader{Data: r.Take()}, keys: r.keys, s: s}).fields(0)
		fields := r.fields(0)
		lvl := ffLevels[int(level)%len(ffLevels)]
		logger.Info(s, crumbs...)
		logger.Check(lvl, s).Write(fields...)
		logger.Error(key, fields...)

		want := int64(1)
		if lvl >= zapcore.ErrorLevel {
			want++
		}
		testclient.Accounted(t, c, mt, before, want, validate)
	})
}
