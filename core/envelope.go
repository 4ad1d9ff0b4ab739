package core

import (
	"bytes"
	"compress/gzip"
	"github.com/sentrylog/sentrylog/core/protocol"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
)

// The envelope framing is part of the wire format, in package protocol.
type (
	envelope       = protocol.Envelope
	envelopeHeader = protocol.EnvelopeHeader
	envelopeItem   = protocol.EnvelopeItem
	itemHeader     = protocol.ItemHeader
	clientReport   = protocol.ClientReport
	discardedItem  = protocol.DiscardedItem
)

const (
	itemTypeEvent        = protocol.ItemTypeEvent
	itemTypeClientReport = protocol.ItemTypeClientReport
	itemTypeLog          = protocol.ItemTypeLog
	itemTypeAttachment   = protocol.ItemTypeAttachment
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

// maxEventSize is Sentry's limit for one event item, uncompressed.
const maxEventSize = 1 << 20

// shrinkSteps drop, in order, what matters least in an event that is too
// large. Each replaces the event's own fields; none writes into a map or
// slice the event may share with a scope.
// droppedTag names, on an event that needed the last-resort steps, what
// they dropped (shrinkNames).
const droppedTag = "sentrylog.dropped"

var shrinkNames = []string{"breadcrumbs", "extra", "request_body", "contexts"}

var shrinkSteps = []func(ev *Event) bool{
	func(ev *Event) bool { // the older half of the breadcrumbs
		if len(ev.Breadcrumbs) == 0 {
			return false
		}
		ev.Breadcrumbs = ev.Breadcrumbs[len(ev.Breadcrumbs)/2+len(ev.Breadcrumbs)%2:]
		return true
	},
	func(ev *Event) bool {
		if ev.Extra == nil {
			return false
		}
		ev.Extra = nil
		return true
	},
	func(ev *Event) bool {
		if ev.Request == nil || ev.Request.Data == nil && ev.Request.Cookies == nil {
			return false
		}
		r := *ev.Request
		r.Data, r.Cookies = nil, nil
		ev.Request = &r
		return true
	},
	func(ev *Event) bool { // contexts other than the well-known ones
		kept := map[string]map[string]any{}
		for _, k := range []string{"os", "runtime", "device", "trace"} {
			if c, ok := ev.Contexts[k]; ok {
				kept[k] = c
			}
		}
		if len(kept) == len(ev.Contexts) {
			return false
		}
		ev.Contexts = kept
		return true
	},
}

// shrinkEvent makes an event whose payload is over maxEventSize fit. The
// pipeline has trimmed it to an estimated size; the estimate was short (a
// value with many escaped characters, say), so it is trimmed again to a
// budget scaled down by what was missed, then, as a last resort, by the
// steps above, re-encoding after each. It returns the new payload, or nil
// when the event cannot be made to fit or to encode.
func shrinkEvent(ev *Event, size int) []byte {
	budget := eventBudget
	for range 3 {
		budget = int(float64(budget) * float64(maxEventSize) / float64(size) * 0.95)
		trimEvent(ev, budget)
		b, err := marshalEvent(ev)
		if err != nil {
			return nil
		}
		if len(b) <= maxEventSize {
			return b
		}
		size = len(b)
	}
	for i, step := range shrinkSteps {
		for step(ev) {
			// Visible on the event: what the last resort dropped.
			tags := maps.Clone(ev.Tags)
			if tags == nil {
				tags = map[string]string{}
			}
			if !strings.Contains(tags[droppedTag], shrinkNames[i]) {
				tags[droppedTag] = strings.TrimPrefix(tags[droppedTag]+","+shrinkNames[i], ",")
			}
			ev.Tags = tags
			b, err := marshalEvent(ev)
			if err != nil {
				return nil
			}
			if len(b) <= maxEventSize {
				return b
			}
		}
	}
	return nil
}
