package core

import (
	"fmt"
	"log/slog"
)

// PanicValue is the marked value that replaces an attribute whose user code
// (String, Error, LogValue, MarshalJSON, a zap marshaler) panicked while it was
// being converted. method names the call that panicked; the value reads
// "!PANIC in <method>: <recovered>", so the event still goes out and shows
// what went wrong.
func PanicValue(method string, recovered any) slog.Value {
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
