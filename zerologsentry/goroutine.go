//go:build gc && (amd64 || arm64)

package zerologsentry

// curg returns the address of the running goroutine's descriptor in the
// runtime (its g), read where the runtime keeps it: thread-local storage on
// amd64, a register on arm64. No two live goroutines share one; a
// goroutine's descriptor may be reused once it has exited. See handoff for
// why the Writer needs it: Go has no goroutine-local storage, and zerolog
// runs a hook and then the write of the same event on the same goroutine.
//
// Only the address is used, never the descriptor's fields, whose layout
// changes between Go releases. Where the address is kept is part of Go's
// ABI on these architectures (internal/abi's register assignments; the
// runtime's own assembly, cgo and debuggers read it there) and has not
// moved since Go 1.5. Elsewhere goroutine_other.go reads the goroutine's id
// from runtime.Stack, portable and slower.
func curg() uintptr
