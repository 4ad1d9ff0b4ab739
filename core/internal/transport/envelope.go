package transport

import (
	"bytes"
	"compress/gzip"
	"sync"
	"sync/atomic"
)

// Buffers and gzip writers are pooled: the transport's worker encodes every
// envelope into a pooled buffer, and a request body gives its buffer back
// when net/http closes it.
var (
	bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	gzipPool   sync.Pool // *gzip.Writer
)

// maxPooledBuffer keeps rare huge envelopes from pinning memory.
const maxPooledBuffer = 4 << 20

func getBuffer() *bytes.Buffer {
	b := bufferPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		bufferPool.Put(b)
	}
}

// compressFrom is the size from which an envelope is sent gzip-compressed.
// Smaller ones, most events, go as they are: compressing a few kilobytes
// costs the sender and the receiver more CPU than the bytes it saves are
// worth (bench/ delivery run: 3300 events/s compressed, 5300 plain, with
// about two-thirds of the CPU per event). Events that carry many breadcrumbs
// or a request body are larger, and compress well.
const compressFrom = 8 << 10

// gzipBody compresses raw into a pooled request body.
func gzipBody(raw *bytes.Buffer) *pooledBody {
	out := getBuffer()
	zw, _ := gzipPool.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(out, gzip.BestSpeed)
	} else {
		zw.Reset(out)
	}
	zw.Write(raw.Bytes()) // writes to a bytes.Buffer do not fail
	zw.Close()
	gzipPool.Put(zw)
	return newPooledBody(out)
}

// pooledBody is a request body that returns its buffer to the pool when
// closed. net/http closes a request body once it is done with it, which may
// be after Client.Do returns.
type pooledBody struct {
	r   bytes.Reader
	buf atomic.Pointer[bytes.Buffer]
}

func newPooledBody(b *bytes.Buffer) *pooledBody {
	p := &pooledBody{}
	p.r.Reset(b.Bytes())
	p.buf.Store(b)
	return p
}

func (p *pooledBody) Read(b []byte) (int, error) { return p.r.Read(b) }

// Len returns the body's full length.
func (p *pooledBody) Len() int { return int(p.r.Size()) }

func (p *pooledBody) Close() error {
	if b := p.buf.Swap(nil); b != nil {
		putBuffer(b)
	}
	return nil
}

// MaxEventSize is Sentry's limit for one event item, uncompressed.
const MaxEventSize = 1 << 20
