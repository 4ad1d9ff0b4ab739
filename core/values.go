package core

import (
	"fmt"
	"log/slog"
)

// markPanic implements bridge.PanicValue: the value reads
// "!PANIC in <method>: <recovered>".
func markPanic(method string, recovered any) slog.Value {
	return slog.StringValue(panicText(method, recovered))
}

func panicText(method string, recovered any) string {
	// Neither formatting can panic: fmt recovers from a hostile String or
	// Error method itself, and safeErrorString does too.
	s := "!PANIC in " + method
	switch r := recovered.(type) {
	case string:
		return s + ": " + r
	case error:
		return s + ": " + safeErrorString(r)
	default:
		return s + ": " + fmt.Sprintf("%v", r)
	}
}
