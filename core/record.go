package core

import (
	"context"
	"log/slog"

	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/bridge"
)

// record is the logger-neutral record the bridges hand to the client; see
// [bridge.Record].
type record = bridge.Record

// inlineAttrs is how many attributes lent to bridge.AddBreadcrumbAttrs a
// breadcrumb keeps without allocating.
const inlineAttrs = bridge.InlineAttrs

func init() {
	bridge.Impl = bridge.Hooks{
		CaptureRecord: func(c bridge.Client, r *record) EventID { return asClient(c).captureRecord(r) },
		AddBreadcrumb: func(c bridge.Client, r *record, attrs []slog.Attr) {
			asClient(c).addRecordBreadcrumb(r, attrs)
		},
		Frame: func(c bridge.Client, function, file string, line int) protocol.Frame {
			cl := asClient(c)
			if cl == nil {
				cl = &Client{}
			}
			return cl.frame(function, file, line)
		},
		Debugf:     func(c bridge.Client, format string, args ...any) { asClient(c).debugf(format, args...) },
		OwnAttrs:   ownedAttrs,
		PanicValue: markPanic,
		ErrorPCs:   errorPCs,
		NewRequest: newRequest,
		CaptureLog: func(c bridge.Client, r *record, level int8, attrs []slog.Attr) {
			asClient(c).captureLog(r, LogLevel(level), attrs)
		},
		CaptureSlogLog: func(c bridge.Client, r *record, level int8, sr *slog.Record) bool {
			return asClient(c).captureSlogLog(r, LogLevel(level), sr)
		},
		LogsEnabled: func(c bridge.Client) bool { return asClient(c).logsEnabled() },
		Accepts:     func(c bridge.Client) bool { return asClient(c).accepts() },
		LogBatches: func(mt any) []bridge.LogBatch {
			t, _ := mt.(*MemoryTransport)
			if t == nil {
				return nil
			}
			var out []bridge.LogBatch
			for _, b := range t.logBatches() {
				out = append(out, bridge.LogBatch{Count: len(b.Logs), Payload: b.Payload})
			}
			return out
		},
		SetRequestFunc: func(scope any, fn func() *Request) {
			if s, ok := scope.(*Scope); ok {
				s.setRequestFunc(fn)
			}
		},
		SetTransactionFunc: func(scope any, fn func() (name, source string)) {
			if s, ok := scope.(*Scope); ok {
				s.setTransactionFunc(fn)
			}
		},
	}
}

// asClient returns the *Client a bridge passed, or nil.
func asClient(c bridge.Client) *Client {
	cl, _ := c.(*Client)
	return cl
}

// Hint tells BeforeSend and BeforeBreadcrumb what an event or breadcrumb was
// made from. It is valid only during the callback.
type Hint struct {
	OriginalError error           // the error, if any
	Record        *bridge.Record  // the log record, if any
	Context       context.Context // the capture's context
}
