package bridge

import (
	"log/slog"
	"testing"
	"unsafe"

	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/race"
)

// The record and the attribute array a bridge keeps on its stack reach the
// core where they are, even when the goroutine's stack grows (and moves)
// during the call. Each depth puts the stack's end at another point of the
// call, so that one of them makes it grow inside the laundering, where an
// instrumented build (-race, checkptr) once called into the runtime: the
// core then got the record's old address, in a freed stack, and the
// garbage collector did not see what the record pointed to.
func TestLaunderedAcrossStackGrowth(t *testing.T) {
	saved := Impl
	t.Cleanup(func() { Impl = saved })
	// What the core got, as addresses: recorded without a call, so that
	// nothing moves the stack between the core's receipt and the check.
	var gotRec, gotAttrs, gotSlog uintptr
	Impl.AddBreadcrumb = func(_ Client, r *Record, attrs []slog.Attr) {
		gotRec, gotAttrs = uintptr(unsafe.Pointer(r)), uintptr(unsafe.Pointer(unsafe.SliceData(attrs)))
	}
	Impl.CaptureRecord = func(_ Client, r *Record) protocol.EventID {
		gotRec = uintptr(unsafe.Pointer(r))
		return ""
	}
	Impl.CaptureLog = func(_ Client, r *Record, _ int8, attrs []slog.Attr) {
		gotRec, gotAttrs = uintptr(unsafe.Pointer(r)), uintptr(unsafe.Pointer(unsafe.SliceData(attrs)))
	}
	Impl.CaptureSlogLog = func(_ Client, r *Record, _ int8, sr *slog.Record) bool {
		gotRec, gotSlog = uintptr(unsafe.Pointer(r)), uintptr(unsafe.Pointer(sr))
		return true
	}
	// The calls are direct (a function value would make the record and the
	// arrays escape to the heap, where nothing moves).
	calls := []string{"AddRecordBreadcrumb", "AddBreadcrumbAttrs", "CaptureRecord", "CaptureLog", "CaptureSlogLog"}
	for which, name := range calls {
		moved := 0
		for depth := range 700 {
			var bad string
			done := make(chan struct{})
			go func() {
				defer close(done)
				descend(depth, func() {
					rec := Record{Message: "m"}
					attrs := [2]slog.Attr{slog.Int("a", 1), slog.Int("b", 2)}
					var sr slog.Record
					before := uintptr(unsafe.Pointer(&rec))
					gotRec, gotAttrs, gotSlog = 0, 0, 0
					switch which {
					case 0:
						AddRecordBreadcrumb(nil, &rec)
					case 1:
						AddBreadcrumbAttrs(nil, &rec, attrs[:])
					case 2:
						CaptureRecord(nil, &rec)
					case 3:
						CaptureLog(nil, &rec, int8(9), attrs[:])
					default:
						CaptureSlogLog(nil, &rec, int8(9), &sr)
					}
					if uintptr(unsafe.Pointer(&rec)) != before {
						moved++
					}
					switch {
					case gotRec != uintptr(unsafe.Pointer(&rec)):
						bad = "the record"
					case gotAttrs != 0 && gotAttrs != uintptr(unsafe.Pointer(&attrs[0])):
						bad = "the attributes"
					case gotSlog != 0 && gotSlog != uintptr(unsafe.Pointer(&sr)):
						bad = "the slog record"
					}
				})
			}()
			<-done
			if bad != "" {
				t.Fatalf("%s at depth %d: the core got %s at an address the stack left", name, depth, bad)
			}
		}
		if moved == 0 {
			// Under -race (CI) the depths make the stack move during
			// each call; other builds (-asan, inlining off) may keep the
			// record elsewhere or lay out frames so that no depth does.
			if race.Enabled {
				t.Fatalf("%s: the stack never moved during the call", name)
			}
			t.Skipf("%s: the stack never moved during the call in this build", name)
		}
		t.Logf("%s: the stack moved during %d of the calls", name, moved)
	}
}

// descend calls f n frames further down the stack.
//
//go:noinline
func descend(n int, f func()) {
	if n == 0 {
		f()
		return
	}
	descend(n-1, f)
}
