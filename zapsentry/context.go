package zapsentry

import (
	"context"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// contextKey is the key of the field Context makes. Other cores never see
// it printed: the field's type is zapcore.SkipType, which every encoder
// ignores.
const contextKey = "sentrylog.context"

// Context returns a field that carries ctx to the Core: breadcrumbs go to
// ctx's isolation scope and events merge ctx's scopes (see
// core.NewIsolationScope). Give it to With to make a request logger, or to
// a single entry:
//
//	log := logger.With(zapsentry.Context(r.Context()))
//
// The field is a zap.Skip field for every other core of a tee, so their
// output does not change. A nil ctx gives a plain zap.Skip().
func Context(ctx context.Context) zap.Field {
	if ctx == nil {
		return zap.Skip()
	}
	return zap.Field{Key: contextKey, Type: zapcore.SkipType, Interface: ctx}
}

// contextOf reports whether f was made by Context, and its context.
func contextOf(f *zapcore.Field) (context.Context, bool) {
	if f.Type != zapcore.SkipType || f.Key != contextKey {
		return nil, false
	}
	ctx, ok := f.Interface.(context.Context)
	return ctx, ok
}
