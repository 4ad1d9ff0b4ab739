package zapsentry_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// FuzzWrite feeds the Core fields of every type with arbitrary contents,
// including contents no zap constructor makes (a field's Interface of the
// wrong type): Write must not panic and the event must stay valid.
func FuzzWrite(f *testing.F) {
	f.Add(uint8(zapcore.StringType), "k", int64(1), "v", []byte("b"), uint8(0))
	f.Add(uint8(zapcore.NamespaceType), "ns", int64(0), "", []byte(nil), uint8(1))
	f.Add(uint8(zapcore.TimeType), "t", int64(-1), "", []byte{0xff}, uint8(2))
	f.Add(uint8(zapcore.ArrayMarshalerType), "user", int64(7), "x", []byte{}, uint8(3))
	f.Add(uint8(zapcore.ErrorType), "error", int64(0), "boom", []byte("e"), uint8(4))
	c, mt := newClient(f)
	sc := zapsentry.NewCore(zapsentry.Options{Client: c, TagKeys: []string{"k", "ns.k"}})
	f.Fuzz(func(t *testing.T, typ uint8, key string, i int64, s string, b []byte, iface uint8) {
		var x any
		switch iface % 8 {
		case 1:
			x = b
		case 2:
			x = errors.New(s)
		case 3:
			x = time.Unix(0, i)
		case 4:
			x = s
		case 5:
			x = zapcore.ArrayMarshalerFunc(func(a zapcore.ArrayEncoder) error { a.AppendString(s); return nil })
		case 6:
			x = zapcore.ObjectMarshalerFunc(func(o zapcore.ObjectEncoder) error { o.OpenNamespace(key); o.AddString(s, s); return nil })
		case 7:
			x = []error{errors.New(s), nil}
		}
		fields := []zapcore.Field{
			{Key: key, Type: zapcore.FieldType(typ % 32), Integer: i, String: s, Interface: x},
			{Key: s, Type: zapcore.StringType, String: key},
		}
		child := sc.With(fields)
		require.NotPanics(t, func() {
			_ = child.Write(zapcore.Entry{Level: zapcore.ErrorLevel, Message: s, LoggerName: key}, fields)
		})
		evs := testclient.Events(t, c, mt)
		require.Len(t, evs, 1)
		mt.Reset()
	})
}
