package zapsentry

import (
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// pcCore records, in Write, zap's caller PC and the stack's program
// counters as runtime.Callers reports them: what the core compares.
type pcCore struct {
	zapcore.LevelEnabler
	caller uintptr
	pcs    []uintptr
}

func (c *pcCore) With([]zapcore.Field) zapcore.Core { return c }
func (c *pcCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, c)
}
func (c *pcCore) Sync() error { return nil }
func (c *pcCore) Write(e zapcore.Entry, _ []zapcore.Field) error {
	c.caller = e.Caller.PC
	c.pcs = make([]uintptr, 64)
	c.pcs = c.pcs[:runtime.Callers(1, c.pcs)]
	return nil
}

func TestCallerPCIsAReturnAddress(t *testing.T) {
	pc := &pcCore{LevelEnabler: zapcore.DebugLevel}
	zap.New(pc, zap.AddCaller()).Info("here")
	require.NotZero(t, pc.caller)
	assert.NotContains(t, pc.pcs, pc.caller, "zap reports the call instruction")
	i := slices.Index(pc.pcs, callerPC(pc.caller))
	require.GreaterOrEqual(t, i, 0, "callerPC gives the PC runtime.Callers reports")
	f, _ := runtime.CallersFrames(pc.pcs[i : i+1]).Next()
	assert.Contains(t, f.Function, "TestCallerPCIsAReturnAddress")
}
