package zapsentry

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
)

// encoder is a zapcore.ObjectEncoder that turns zap fields into slog
// attributes. Namespaces are kept as marks and folded into nested groups by
// close, so the fields after a namespace end up inside it.
type encoder struct {
	attrs []slog.Attr
	ns    []namespace
}

// namespace is an open namespace: its key and where its attributes start.
type namespace struct {
	key   string
	start int
}

var _ zapcore.ObjectEncoder = (*encoder)(nil)

// maxPooledAttrs bounds the buffers kept in the pool, so one huge entry
// does not pin memory.
const maxPooledAttrs = 64

var encoderPool = sync.Pool{New: func() any { return &encoder{attrs: make([]slog.Attr, 0, 8)} }}

func getEncoder() *encoder { return encoderPool.Get().(*encoder) }

func putEncoder(e *encoder) {
	if cap(e.attrs) > maxPooledAttrs {
		return
	}
	clear(e.attrs[:cap(e.attrs)]) // drop references to user values
	e.attrs = e.attrs[:0]
	e.ns = e.ns[:0]
	encoderPool.Put(e)
}

func (e *encoder) add(key string, v slog.Value) {
	e.attrs = append(e.attrs, slog.Attr{Key: key, Value: v})
}

// close folds the open namespaces, innermost first, into groups. An empty
// namespace leaves nothing. It returns the namespaces' keys, outermost
// first.
func (e *encoder) close() []string {
	if len(e.ns) == 0 {
		return nil
	}
	keys := make([]string, len(e.ns))
	for i := len(e.ns) - 1; i >= 0; i-- {
		n := e.ns[i]
		keys[i] = n.key
		if n.start == len(e.attrs) {
			continue
		}
		g := slices.Clone(e.attrs[n.start:])
		e.attrs = append(e.attrs[:n.start], slog.Attr{Key: n.key, Value: slog.GroupValue(g...)})
	}
	e.ns = e.ns[:0]
	return keys
}

// addField converts one field. It handles what zapcore.Field.AddTo would
// lose (errors as values, zap.Errors as a group) and never panics.
func (e *encoder) addField(f *zapcore.Field) {
	if v, ok := scalarValue(f); ok {
		e.add(f.Key, v)
		return
	}
	switch f.Type {
	case zapcore.ErrorType:
		if f.Interface == nil {
			return
		}
		e.add(f.Key, slog.AnyValue(f.Interface))
	case zapcore.ArrayMarshalerType:
		if errs, ok := errorSlice(f.Interface); ok {
			if err := errors.Join(errs...); err != nil {
				e.add(f.Key, slog.AnyValue(err))
			}
			return
		}
		m, ok := f.Interface.(zapcore.ArrayMarshaler)
		if !ok {
			e.add(f.Key, badField(f))
			return
		}
		e.addErr(f.Key, e.AddArray(f.Key, m))
	case zapcore.ObjectMarshalerType:
		m, ok := f.Interface.(zapcore.ObjectMarshaler)
		if !ok {
			e.add(f.Key, badField(f))
			return
		}
		e.addErr(f.Key, e.AddObject(f.Key, m))
	case zapcore.InlineMarshalerType:
		m, ok := f.Interface.(zapcore.ObjectMarshaler)
		if !ok {
			e.add(f.Key, badField(f))
			return
		}
		e.addErr(f.Key, e.inline(m))
	case zapcore.BinaryType:
		b, _ := f.Interface.([]byte)
		e.AddBinary(f.Key, b)
	case zapcore.ByteStringType:
		b, _ := f.Interface.([]byte)
		e.AddByteString(f.Key, b)
	case zapcore.Complex128Type:
		c, _ := f.Interface.(complex128)
		e.AddComplex128(f.Key, c)
	case zapcore.Complex64Type:
		c, _ := f.Interface.(complex64)
		e.AddComplex64(f.Key, c)
	case zapcore.Float32Type:
		e.AddFloat32(f.Key, math.Float32frombits(uint32(f.Integer)))
	case zapcore.TimeType:
		t := time.Unix(0, f.Integer)
		if loc, ok := f.Interface.(*time.Location); ok && loc != nil {
			t = t.In(loc)
		}
		e.add(f.Key, slog.TimeValue(t))
	case zapcore.TimeFullType:
		t, _ := f.Interface.(time.Time)
		e.add(f.Key, slog.TimeValue(t))
	case zapcore.ReflectType:
		e.add(f.Key, reflected(f.Interface))
	case zapcore.NamespaceType:
		e.OpenNamespace(f.Key)
	case zapcore.StringerType:
		e.add(f.Key, stringerValue(f.Interface))
	case zapcore.SkipType:
	default:
		e.add(f.Key, badField(f))
	}
}

// scalarValue returns the value of a scalar field (an integer, a float64, a
// bool, a string, a duration), or false for any other.
func scalarValue(f *zapcore.Field) (slog.Value, bool) {
	switch f.Type {
	case zapcore.StringType:
		return slog.StringValue(f.String), true
	case zapcore.Int64Type, zapcore.Int32Type, zapcore.Int16Type, zapcore.Int8Type:
		return slog.Int64Value(f.Integer), true
	case zapcore.BoolType:
		return slog.BoolValue(f.Integer == 1), true
	case zapcore.Uint64Type, zapcore.Uint32Type, zapcore.Uint16Type, zapcore.Uint8Type, zapcore.UintptrType:
		return slog.Uint64Value(uint64(f.Integer)), true
	case zapcore.Float64Type:
		return slog.Float64Value(math.Float64frombits(uint64(f.Integer))), true
	case zapcore.DurationType:
		return slog.DurationValue(time.Duration(f.Integer)), true
	}
	return slog.Value{}, false
}

// scalarAttrs appends the attributes of fields to dst when every field is a
// scalar (see scalarValue), Skip or our Context, and returns ctx updated by
// the Context fields. Any other field (an error, a marshaler, a namespace,
// bytes, a time, a float32, Reflect, Stringer) needs the encoder: ok is
// false and dst is to be thrown away.
func scalarAttrs(dst []slog.Attr, fields []zapcore.Field, ctx context.Context) (_ []slog.Attr, _ context.Context, ok bool) {
	for i := range fields {
		f := &fields[i]
		if v, ok := scalarValue(f); ok {
			dst = append(dst, slog.Attr{Key: f.Key, Value: v})
			continue
		}
		if f.Type != zapcore.SkipType {
			return dst, ctx, false
		}
		if fctx, ok := contextOf(f); ok {
			ctx = fctx
		}
	}
	return dst, ctx, true
}

// addErr records the error a marshaler returned under key+"Error", as zap's
// own encoders do.
func (e *encoder) addErr(key string, err error) {
	if err != nil {
		e.add(key+"Error", slog.StringValue(errorText(err)))
	}
}

func badField(f *zapcore.Field) slog.Value {
	return slog.StringValue("!ERROR: zap field of type " + strconv.Itoa(int(f.Type)) +
		" holds " + fmt.Sprintf("%T", f.Interface))
}

var errorType = reflect.TypeFor[error]()

// errorSlice recognises zap.Errors (a slice of errors behind an
// ArrayMarshaler) by reflection, without depending on zap's private type.
func errorSlice(x any) ([]error, bool) {
	v := reflect.ValueOf(x)
	if v.Kind() != reflect.Slice || v.Type().Elem() != errorType {
		return nil, false
	}
	errs := make([]error, 0, v.Len())
	for i := 0; i < v.Len(); i++ {
		if err, ok := v.Index(i).Interface().(error); ok && err != nil {
			errs = append(errs, err)
		}
	}
	return errs, true
}

// errorText is err.Error() with a panic turned into a marked text.
func errorText(err error) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = bridge.PanicValue("Error", r).String()
		}
	}()
	return err.Error()
}

// stringerValue calls String eagerly, while the value is still the
// caller's. A nil pointer reads "<nil>" as in zap and fmt; any other panic
// becomes a marked value.
func stringerValue(x any) (v slog.Value) {
	defer func() {
		if r := recover(); r != nil {
			if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
				v = slog.StringValue("<nil>")
				return
			}
			v = bridge.PanicValue("String", r)
		}
	}()
	s, ok := x.(fmt.Stringer)
	if !ok {
		return slog.AnyValue(x)
	}
	return slog.StringValue(s.String())
}

// reflected converts a zap.Reflect (or zap.Any of an unknown type) value.
// Values with a meaning of their own to the core pass through; everything
// else is encoded to JSON now, as zap's JSON encoder would, so the event does
// not read memory the caller may change after the call returns, and the
// JSON objects become groups, so that a struct logged as "user" or "tags"
// maps like an object marshaler would.
func reflected(x any) (v slog.Value) {
	switch t := x.(type) {
	case nil:
		return slog.AnyValue(nil)
	case *http.Request, core.User, *core.User, context.Context, error:
		return slog.AnyValue(t)
	case slog.LogValuer:
		return slog.AnyValue(t).Resolve() // Resolve recovers a panic itself
	}
	defer func() {
		if r := recover(); r != nil {
			v = bridge.PanicValue("MarshalJSON", r)
		}
	}()
	b, err := json.Marshal(x)
	if err != nil {
		return slog.StringValue("!ERROR: " + err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var data any
	if err := dec.Decode(&data); err != nil {
		return slog.StringValue(string(b))
	}
	return jsonValue(data)
}

// jsonValue turns decoded JSON into a slog value: objects as groups (keys
// sorted), arrays as []any, numbers as int64 when they are integers.
func jsonValue(x any) slog.Value {
	switch t := x.(type) {
	case map[string]any:
		attrs := make([]slog.Attr, 0, len(t))
		for _, k := range slices.Sorted(maps.Keys(t)) {
			attrs = append(attrs, slog.Attr{Key: k, Value: jsonValue(t[k])})
		}
		return slog.GroupValue(attrs...)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			if v := jsonValue(e); v.Kind() == slog.KindGroup {
				out[i] = v
			} else {
				out[i] = v.Any()
			}
		}
		return slog.AnyValue(out)
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return slog.Int64Value(i)
		}
		if f, err := t.Float64(); err == nil {
			return slog.Float64Value(f)
		}
		return slog.StringValue(t.String())
	default: // string, bool, nil
		return slog.AnyValue(t)
	}
}

// complexText renders a complex number as zap's JSON encoder does: 1+2i.
func complexText(c complex128, bits int) string {
	s := strconv.FormatComplex(c, 'g', -1, bits)
	return s[1 : len(s)-1]
}

// float32Value keeps a float32's shortest decimal form (0.1, not
// 0.10000000149011612).
func float32Value(f float32) slog.Value {
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], float64(f), 'g', -1, 32)
	g, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return slog.Float64Value(float64(f))
	}
	return slog.Float64Value(g)
}

// inline runs an inline marshaler on e itself; a panic leaves a marked value
// at "Error" (the key zap gives an inline marshaler's error).
func (e *encoder) inline(m zapcore.ObjectMarshaler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e.add("Error", bridge.PanicValue("MarshalLogObject", r))
			err = nil
		}
	}()
	return m.MarshalLogObject(e)
}

// The zapcore.ObjectEncoder methods, used by marshalers.

// AddArray adds the array m produces as a slice value.
func (e *encoder) AddArray(key string, m zapcore.ArrayMarshaler) error {
	v, err := marshalArray(m)
	e.add(key, v)
	return err
}

// AddObject adds the object m produces as a group. A panic in m replaces
// the group with a marked value.
func (e *encoder) AddObject(key string, m zapcore.ObjectMarshaler) error {
	v, err := marshalObject(m)
	e.add(key, v)
	return err
}

func marshalObject(m zapcore.ObjectMarshaler) (v slog.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = bridge.PanicValue("MarshalLogObject", r), nil
		}
	}()
	child := &encoder{}
	err = m.MarshalLogObject(child)
	child.close()
	return slog.GroupValue(slices.Clip(child.attrs)...), err
}

func marshalArray(m zapcore.ArrayMarshaler) (v slog.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = bridge.PanicValue("MarshalLogArray", r), nil
		}
	}()
	a := &arrayEncoder{elems: []any{}}
	err = m.MarshalLogArray(a)
	return slog.AnyValue(a.elems), err
}

func (e *encoder) AddBinary(key string, b []byte) {
	e.add(key, slog.StringValue(base64.StdEncoding.EncodeToString(b)))
}
func (e *encoder) AddByteString(key string, b []byte) { e.add(key, slog.StringValue(string(b))) }
func (e *encoder) AddBool(key string, b bool)         { e.add(key, slog.BoolValue(b)) }
func (e *encoder) AddComplex128(key string, c complex128) {
	e.add(key, slog.StringValue(complexText(c, 128)))
}
func (e *encoder) AddComplex64(key string, c complex64) {
	e.add(key, slog.StringValue(complexText(complex128(c), 64)))
}
func (e *encoder) AddDuration(key string, d time.Duration) { e.add(key, slog.DurationValue(d)) }
func (e *encoder) AddFloat64(key string, f float64)        { e.add(key, slog.Float64Value(f)) }
func (e *encoder) AddFloat32(key string, f float32)        { e.add(key, float32Value(f)) }
func (e *encoder) AddInt(key string, i int)                { e.add(key, slog.Int64Value(int64(i))) }
func (e *encoder) AddInt64(key string, i int64)            { e.add(key, slog.Int64Value(i)) }
func (e *encoder) AddInt32(key string, i int32)            { e.add(key, slog.Int64Value(int64(i))) }
func (e *encoder) AddInt16(key string, i int16)            { e.add(key, slog.Int64Value(int64(i))) }
func (e *encoder) AddInt8(key string, i int8)              { e.add(key, slog.Int64Value(int64(i))) }
func (e *encoder) AddString(key, s string)                 { e.add(key, slog.StringValue(s)) }
func (e *encoder) AddTime(key string, t time.Time)         { e.add(key, slog.TimeValue(t)) }
func (e *encoder) AddUint(key string, u uint)              { e.add(key, slog.Uint64Value(uint64(u))) }
func (e *encoder) AddUint64(key string, u uint64)          { e.add(key, slog.Uint64Value(u)) }
func (e *encoder) AddUint32(key string, u uint32)          { e.add(key, slog.Uint64Value(uint64(u))) }
func (e *encoder) AddUint16(key string, u uint16)          { e.add(key, slog.Uint64Value(uint64(u))) }
func (e *encoder) AddUint8(key string, u uint8)            { e.add(key, slog.Uint64Value(uint64(u))) }
func (e *encoder) AddUintptr(key string, u uintptr)        { e.add(key, slog.Uint64Value(uint64(u))) }

// AddReflected adds x encoded as JSON now (see reflected).
func (e *encoder) AddReflected(key string, x any) error {
	e.add(key, reflected(x))
	return nil
}

// OpenNamespace nests the fields added after it under key.
func (e *encoder) OpenNamespace(key string) {
	e.ns = append(e.ns, namespace{key: key, start: len(e.attrs)})
}

// arrayEncoder is a zapcore.ArrayEncoder that collects the elements as Go
// values the core converts: numbers, strings, times, durations, nested
// []any and slog group values for objects.
type arrayEncoder struct {
	elems []any
}

var _ zapcore.ArrayEncoder = (*arrayEncoder)(nil)

func (a *arrayEncoder) app(x any) { a.elems = append(a.elems, x) }

func (a *arrayEncoder) AppendBool(b bool)              { a.app(b) }
func (a *arrayEncoder) AppendByteString(b []byte)      { a.app(string(b)) }
func (a *arrayEncoder) AppendComplex128(c complex128)  { a.app(complexText(c, 128)) }
func (a *arrayEncoder) AppendComplex64(c complex64)    { a.app(complexText(complex128(c), 64)) }
func (a *arrayEncoder) AppendFloat64(f float64)        { a.app(f) }
func (a *arrayEncoder) AppendFloat32(f float32)        { a.app(float32Value(f).Float64()) }
func (a *arrayEncoder) AppendInt(i int)                { a.app(int64(i)) }
func (a *arrayEncoder) AppendInt64(i int64)            { a.app(i) }
func (a *arrayEncoder) AppendInt32(i int32)            { a.app(int64(i)) }
func (a *arrayEncoder) AppendInt16(i int16)            { a.app(int64(i)) }
func (a *arrayEncoder) AppendInt8(i int8)              { a.app(int64(i)) }
func (a *arrayEncoder) AppendString(s string)          { a.app(s) }
func (a *arrayEncoder) AppendUint(u uint)              { a.app(uint64(u)) }
func (a *arrayEncoder) AppendUint64(u uint64)          { a.app(u) }
func (a *arrayEncoder) AppendUint32(u uint32)          { a.app(uint64(u)) }
func (a *arrayEncoder) AppendUint16(u uint16)          { a.app(uint64(u)) }
func (a *arrayEncoder) AppendUint8(u uint8)            { a.app(uint64(u)) }
func (a *arrayEncoder) AppendUintptr(u uintptr)        { a.app(uint64(u)) }
func (a *arrayEncoder) AppendDuration(d time.Duration) { a.app(d) }
func (a *arrayEncoder) AppendTime(t time.Time)         { a.app(t) }

// AppendArray appends the nested array m produces.
func (a *arrayEncoder) AppendArray(m zapcore.ArrayMarshaler) error {
	v, err := marshalArray(m)
	a.app(v.Any())
	return err
}

// AppendObject appends the object m produces as a slog group value.
func (a *arrayEncoder) AppendObject(m zapcore.ObjectMarshaler) error {
	v, err := marshalObject(m)
	a.app(v)
	return err
}

// AppendReflected appends x encoded as JSON now (see reflected).
func (a *arrayEncoder) AppendReflected(x any) error {
	v := reflected(x)
	if v.Kind() == slog.KindAny {
		a.app(v.Any())
	} else {
		a.app(v)
	}
	return nil
}
