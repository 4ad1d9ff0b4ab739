package zapsentry_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zapsentry"
)

type point struct{ X, Y int }

func (p point) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddInt("x", p.X)
	enc.AddInt("y", p.Y)
	return nil
}

type points []point

func (ps points) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for _, p := range ps {
		if err := enc.AppendObject(p); err != nil {
			return err
		}
	}
	return nil
}

// everything exercises every ObjectEncoder method and a nested namespace.
type everything struct{}

func (everything) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddBinary("bin", []byte{0, 1, 2})
	enc.AddByteString("bs", []byte("text"))
	enc.AddBool("b", true)
	enc.AddComplex128("c128", complex(1, -2))
	enc.AddComplex64("c64", complex64(complex(0.5, 1)))
	enc.AddDuration("d", time.Second)
	enc.AddFloat64("f64", 1.5)
	enc.AddFloat32("f32", 0.1)
	enc.AddInt("i", -1)
	enc.AddInt64("i64", -64)
	enc.AddInt32("i32", -32)
	enc.AddInt16("i16", -16)
	enc.AddInt8("i8", -8)
	enc.AddString("s", "str")
	enc.AddTime("t", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
	enc.AddUint("u", 1)
	enc.AddUint64("u64", 64)
	enc.AddUint32("u32", 32)
	enc.AddUint16("u16", 16)
	enc.AddUint8("u8", 8)
	enc.AddUintptr("up", 0x10)
	if err := enc.AddReflected("r", map[string]int{"k": 1}); err != nil {
		return err
	}
	if err := enc.AddArray("arr", zapcore.ArrayMarshalerFunc(func(a zapcore.ArrayEncoder) error {
		a.AppendBool(false)
		a.AppendByteString([]byte("bs"))
		a.AppendComplex128(complex(2, 3))
		a.AppendComplex64(complex64(complex(1, 1)))
		a.AppendFloat64(2.5)
		a.AppendFloat32(0.25)
		a.AppendInt(1)
		a.AppendInt64(2)
		a.AppendInt32(3)
		a.AppendInt16(4)
		a.AppendInt8(5)
		a.AppendString("six")
		a.AppendUint(7)
		a.AppendUint64(8)
		a.AppendUint32(9)
		a.AppendUint16(10)
		a.AppendUint8(11)
		a.AppendUintptr(12)
		a.AppendDuration(time.Millisecond)
		a.AppendTime(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
		_ = a.AppendReflected([]int{1})
		_ = a.AppendArray(zapcore.ArrayMarshalerFunc(func(a zapcore.ArrayEncoder) error {
			a.AppendString("nested")
			return nil
		}))
		return a.AppendObject(point{1, 2})
	})); err != nil {
		return err
	}
	enc.OpenNamespace("ns")
	enc.AddString("inside", "yes")
	return nil
}

type stringer string

func (s stringer) String() string { return "S:" + string(s) }

type nilStringer struct{ s string }

func (n *nilStringer) String() string { return n.s }

type panicky struct{}

func (panicky) String() string                               { panic("stringer boom") }
func (panicky) MarshalLogObject(zapcore.ObjectEncoder) error { panic("object boom") }
func (panicky) MarshalLogArray(zapcore.ArrayEncoder) error   { panic("array boom") }
func (panicky) MarshalJSON() ([]byte, error)                 { panic("json boom") }
func (failing) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddInt("part", 1)
	return errors.New("half done")
}

type failing struct{}

// absent marks a key that must not be in the log context.
type absent struct{}

func TestEveryFieldType(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	berlin := time.FixedZone("CET", 3600)
	tests := []struct {
		name  string
		field zap.Field
		key   string // where to look; default "k"
		want  any
	}{
		{"ArrayMarshaler", zap.Array("k", points{{1, 2}}), "", []any{map[string]any{"x": 1.0, "y": 2.0}}},
		{"Ints", zap.Ints("k", []int{1, 2}), "", []any{1.0, 2.0}},
		{"Strings", zap.Strings("k", []string{"a", "b"}), "", []any{"a", "b"}},
		{"ObjectMarshaler", zap.Object("k", point{3, 4}), "", map[string]any{"x": 3.0, "y": 4.0}},
		{"InlineMarshaler", zap.Inline(point{5, 6}), "x", 5.0},
		{"Binary", zap.Binary("k", []byte{0xff, 0x00}), "", "/wA="},
		{"Bool", zap.Bool("k", true), "", true},
		{"BoolFalse", zap.Bool("k", false), "", false},
		{"ByteString", zap.ByteString("k", []byte("héllo")), "", "héllo"},
		{"Complex128", zap.Complex128("k", complex(1.5, -2)), "", "1.5-2i"},
		{"Complex64", zap.Complex64("k", complex64(complex(1, 2))), "", "1+2i"},
		{"Duration", zap.Duration("k", 1500*time.Millisecond), "", "1.5s"},
		{"Float64", zap.Float64("k", 2.25), "", 2.25},
		{"Float64NaN", zap.Float64("k", math.NaN()), "", "NaN"},
		{"Float32", zap.Float32("k", 0.1), "", 0.1},
		{"Int64", zap.Int64("k", math.MinInt64), "", float64(math.MinInt64)},
		{"Int32", zap.Int32("k", -32), "", -32.0},
		{"Int16", zap.Int16("k", -16), "", -16.0},
		{"Int8", zap.Int8("k", -8), "", -8.0},
		{"String", zap.String("k", "v"), "", "v"},
		{"Time", zap.Time("k", ts.In(berlin)), "", "2024-01-02T04:04:05.000000006+01:00"},
		{"TimeFull", zap.Time("k", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)), "", "3000-01-01T00:00:00Z"},
		{"Uint64", zap.Uint64("k", math.MaxUint32+1), "", float64(math.MaxUint32 + 1)},
		{"Uint32", zap.Uint32("k", 32), "", 32.0},
		{"Uint16", zap.Uint16("k", 16), "", 16.0},
		{"Uint8", zap.Uint8("k", 8), "", 8.0},
		{"Uintptr", zap.Uintptr("k", 0xbeef), "", float64(0xbeef)},
		{"Reflect", zap.Reflect("k", struct {
			A int    `json:"a"`
			B string `json:"b"`
		}{1, "x"}), "", map[string]any{"a": 1.0, "b": "x"}},
		{"ReflectMap", zap.Any("k", map[string][]int{"m": {1}}), "", map[string]any{"m": []any{1.0}}},
		{"ReflectNil", zap.Reflect("k", nil), "", nil}, // zap writes null too
		{"Stringer", zap.Stringer("k", stringer("x")), "", "S:x"},
		{"StringerNilPointer", zap.Stringer("k", (*nilStringer)(nil)), "", "<nil>"},
		{"NamedErrorIsPrimary", zap.NamedError("k", errors.New("only")), "", absent{}}, // the exception
		{"Skip", zap.Skip(), "", absent{}},
		{"Namespace", zap.Namespace("k"), "", absent{}}, // empty: left out
		{"Everything", zap.Object("k", everything{}), "", map[string]any{
			"bin": "AAEC", "bs": "text", "b": true, "c128": "1-2i", "c64": "0.5+1i", "d": "1s",
			"f64": 1.5, "f32": 0.1, "i": -1.0, "i64": -64.0, "i32": -32.0, "i16": -16.0, "i8": -8.0,
			"s": "str", "t": "2024-01-02T03:04:05Z", "u": 1.0, "u64": 64.0, "u32": 32.0, "u16": 16.0,
			"u8": 8.0, "up": 16.0, "r": map[string]any{"k": 1.0},
			"arr": []any{false, "bs", "2+3i", "1+1i", 2.5, 0.25, 1.0, 2.0, 3.0, 4.0, 5.0, "six",
				7.0, 8.0, 9.0, 10.0, 11.0, 12.0, "1ms", "2024-01-02T03:04:05Z", []any{1.0},
				[]any{"nested"}, map[string]any{"x": 1.0, "y": 2.0}},
			"ns": map[string]any{"inside": "yes"},
		}},
		{"PanickingStringer", zap.Stringer("k", panicky{}), "", "!PANIC in String: stringer boom"},
		{"PanickingObject", zap.Object("k", panicky{}), "", "!PANIC in MarshalLogObject: object boom"},
		{"PanickingArray", zap.Array("k", panicky{}), "", "!PANIC in MarshalLogArray: array boom"},
		{"PanickingInline", zap.Inline(panicky{}), "Error", "!PANIC in MarshalLogObject: object boom"},
		{"PanickingReflect", zap.Reflect("k", panicky{}), "", "!PANIC in MarshalJSON: json boom"},
		{"FailingObject", zap.Object("k", failing{}), "kError", "half done"},
		{"FailingObjectPartial", zap.Object("k", failing{}), "", map[string]any{"part": 1.0}},
	}
	covered := map[zapcore.FieldType]bool{}
	for _, tt := range tests {
		covered[tt.field.Type] = true
		t.Run(tt.name, func(t *testing.T) {
			logger, c, mt := newLogger(t, zapsentry.Options{})
			require.NotPanics(t, func() { logger.Error("fields", tt.field) })
			lc := logContext(t, testclient.One(t, c, mt))
			key := tt.key
			if key == "" {
				key = "k"
			}
			if tt.want == (absent{}) {
				assert.NotContains(t, lc, key)
				return
			}
			assert.Contains(t, lc, key)
			assert.Equal(t, tt.want, lc[key])
		})
	}
	// Every type a zap constructor can make is in the table (UnknownType
	// cannot be added; ErrorType is in TestErrorBecomesException too).
	for ft := zapcore.ArrayMarshalerType; ft <= zapcore.InlineMarshalerType; ft++ {
		assert.True(t, covered[ft], "FieldType %d has no case", ft)
	}
}

func TestUnknownFieldTypeIsMarked(t *testing.T) {
	logger, c, mt := newLogger(t, zapsentry.Options{})
	require.NotPanics(t, func() {
		// A broken field: zap's own encoders panic on it, the Core must not.
		sc := logger.Core()
		ent := zapcore.Entry{Level: zapcore.ErrorLevel, Message: "bad"}
		_ = sc.Write(ent, []zapcore.Field{
			{Key: "u", Type: zapcore.UnknownType},
			{Key: "o", Type: zapcore.ObjectMarshalerType, Interface: 42},
		})
	})
	lc := logContext(t, testclient.One(t, c, mt))
	assert.Contains(t, lc["u"], "!ERROR")
	assert.Contains(t, lc["o"], "!ERROR")
}
