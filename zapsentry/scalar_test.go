package zapsentry

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// TestScalarAttrs: the breadcrumb's fast path gives every scalar field the
// value the encoder gives it, and leaves every other field to the encoder.
func TestScalarAttrs(t *testing.T) {
	type ctxKey struct{}
	ctx := context.WithValue(context.Background(), ctxKey{}, 1)
	scalars := []zapcore.Field{
		zap.String("s", "v"), zap.Int("i", -7), zap.Int64("i64", math.MinInt64), zap.Int32("i32", -32),
		zap.Int16("i16", 16), zap.Int8("i8", -8), zap.Uint("u", 7), zap.Uint64("u64", math.MaxUint64),
		zap.Uint32("u32", 32), zap.Uint16("u16", 16), zap.Uint8("u8", 8), zap.Uintptr("up", 0xdead),
		zap.Bool("t", true), zap.Bool("f", false), zap.Float64("f64", math.Inf(-1)),
		zap.Float64("nan", math.NaN()), zap.Duration("d", 1500*time.Millisecond), zap.Skip(),
	}
	e := &encoder{}
	for i := range scalars {
		e.addField(&scalars[i])
	}
	got, gotCtx, ok := scalarAttrs(nil, append(scalars, Context(ctx)), nil)
	require.True(t, ok)
	assert.Equal(t, ctx, gotCtx, "the Context field sets the context")
	require.Len(t, got, len(e.attrs))
	for i := range got {
		assert.Equal(t, e.attrs[i].Key, got[i].Key)
		assert.True(t, e.attrs[i].Value.Equal(got[i].Value) || got[i].Key == "nan", got[i].Key)
		assert.Equal(t, e.attrs[i].Value.Kind(), got[i].Value.Kind(), got[i].Key)
	}

	for _, f := range []zapcore.Field{
		zap.Error(assert.AnError), zap.Namespace("n"), zap.Binary("b", []byte{1}), zap.ByteString("bs", []byte("x")),
		zap.Float32("f32", 1.5), zap.Complex128("c", 1i), zap.Time("t", time.Unix(1, 0)), zap.Any("r", struct{}{}),
		zap.Stringer("st", time.Second), zap.Object("o", nil), zap.Array("a", nil), zap.Inline(nil),
	} {
		_, _, ok := scalarAttrs(nil, []zapcore.Field{zap.String("s", "v"), f}, nil)
		assert.False(t, ok, "%s goes to the encoder", f.Key)
	}
}
