package testclient

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent use: for a client's
// DebugWriter or a child process's output, written on one goroutine and
// read on the test's.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
