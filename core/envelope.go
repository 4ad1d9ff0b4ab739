package core

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Envelope is a Sentry envelope: one header line, then items, each an item
// header line and a payload (see ../shared/sentry/PROTOCOL.md, "Envelope").
// ParseEnvelope reads one; the HTTP transport writes them.
type Envelope struct {
	Header EnvelopeHeader
	Items  []EnvelopeItem
}

// EnvelopeHeader is the first line of an envelope.
type EnvelopeHeader struct {
	// EventID is the ID of the envelope's event item, if it has one.
	EventID EventID `json:"event_id,omitempty"`
	// SentAt is when the envelope was transmitted (RFC 3339, UTC).
	SentAt time.Time `json:"sent_at,omitzero"`
	// DSN is the DSN the envelope is for, without its secret key.
	DSN string `json:"dsn,omitempty"`
	// SDK names the sender; only name and version are written.
	SDK *SDK `json:"sdk,omitempty"`
	// Trace is the dynamic sampling context of the trace the envelope's
	// event belongs to (Event.DSC).
	Trace map[string]string `json:"trace,omitempty"`
}

// The item types this package writes.
const (
	ItemTypeEvent        = "event"
	ItemTypeClientReport = "client_report"
	ItemTypeLog          = "log"
	ItemTypeAttachment   = "attachment"
)

// ItemHeader is the header line of an envelope item.
type ItemHeader struct {
	Type string `json:"type"`
	// Length is the payload's length in bytes. When writing it is always
	// set from the payload; when parsing, an item header without a length
	// has a payload that runs to the next newline.
	Length      int    `json:"length"`
	ContentType string `json:"content_type,omitempty"`
	ItemCount   int    `json:"item_count,omitempty"`
	Filename    string `json:"filename,omitempty"`
}

// EnvelopeItem is one item: its header and its payload bytes.
type EnvelopeItem struct {
	Header  ItemHeader
	Payload []byte
}

// MaxEnvelopeSize bounds what ParseEnvelope reads (200 MiB, Sentry's limit).
const MaxEnvelopeSize = 200 << 20

// ErrInvalidEnvelope is wrapped by the errors ParseEnvelope returns for a
// body that is not a well-formed envelope.
var ErrInvalidEnvelope = errors.New("sentrylog: invalid envelope")

// ParseEnvelope reads one envelope from r, plain or gzip-compressed (told
// apart by the gzip magic bytes, since an envelope starts with '{'). It is
// strict, so that tests catch malformed output: the header must be a JSON
// object; every item header must be a JSON object with a type; a payload
// with a length must be exactly that long and be followed by a newline or
// the end of the body; a payload without one runs to the next newline. It
// reads at most MaxEnvelopeSize bytes. Payloads are copies owned by the
// caller. Errors wrap ErrInvalidEnvelope, except read errors from r.
func ParseEnvelope(r io.Reader) (*Envelope, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", ErrInvalidEnvelope, err)
		}
		defer zr.Close()
		return parseEnvelope(zr)
	}
	return parseEnvelope(br)
}

func parseEnvelope(r io.Reader) (*Envelope, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxEnvelopeSize+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxEnvelopeSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidEnvelope, MaxEnvelopeSize)
	}
	line, rest, _ := bytes.Cut(body, []byte{'\n'})
	env := &Envelope{}
	if err := decodeObject(line, &env.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrInvalidEnvelope, err)
	}
	for n := 0; len(rest) > 0; n++ {
		line, rest, _ = bytes.Cut(rest, []byte{'\n'})
		var h struct {
			ItemHeader
			Length *int `json:"length"`
		}
		if err := decodeObject(line, &h); err != nil {
			return nil, fmt.Errorf("%w: item %d header: %v", ErrInvalidEnvelope, n, err)
		}
		if h.Type == "" {
			return nil, fmt.Errorf("%w: item %d has no type", ErrInvalidEnvelope, n)
		}
		var payload []byte
		if h.Length != nil {
			l := *h.Length
			if l < 0 || l > len(rest) {
				return nil, fmt.Errorf("%w: item %d length %d, %d bytes left", ErrInvalidEnvelope, n, l, len(rest))
			}
			payload, rest = rest[:l], rest[l:]
			if len(rest) > 0 {
				if rest[0] != '\n' {
					return nil, fmt.Errorf("%w: item %d payload not followed by a newline", ErrInvalidEnvelope, n)
				}
				rest = rest[1:]
			}
		} else {
			payload, rest, _ = bytes.Cut(rest, []byte{'\n'})
		}
		h.ItemHeader.Length = len(payload)
		env.Items = append(env.Items, EnvelopeItem{Header: h.ItemHeader, Payload: bytes.Clone(payload)})
	}
	return env, nil
}

// decodeObject decodes a one-line JSON object into v.
func decodeObject(line []byte, v any) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return errors.New("not a JSON object")
	}
	return json.Unmarshal(line, v)
}

// Event decodes the envelope's event item. It fails when there is none.
func (e *Envelope) Event() (*Event, error) {
	for _, it := range e.Items {
		if it.Header.Type == ItemTypeEvent {
			ev := new(Event)
			if err := json.Unmarshal(it.Payload, ev); err != nil {
				return nil, fmt.Errorf("%w: event item: %v", ErrInvalidEnvelope, err)
			}
			return ev, nil
		}
	}
	return nil, fmt.Errorf("%w: no event item", ErrInvalidEnvelope)
}

// ItemsOf returns the items of type typ, in order.
func (e *Envelope) ItemsOf(typ string) []EnvelopeItem {
	var out []EnvelopeItem
	for _, it := range e.Items {
		if it.Header.Type == typ {
			out = append(out, it)
		}
	}
	return out
}

// ClientReports decodes every client_report item.
func (e *Envelope) ClientReports() ([]ClientReport, error) {
	var out []ClientReport
	for _, it := range e.ItemsOf(ItemTypeClientReport) {
		var cr ClientReport
		if err := json.Unmarshal(it.Payload, &cr); err != nil {
			return nil, fmt.Errorf("%w: client_report item: %v", ErrInvalidEnvelope, err)
		}
		out = append(out, cr)
	}
	return out, nil
}

// WriteTo writes the envelope in wire form: compact header lines ending in
// '\n', every item header with the payload's length, every payload followed
// by '\n'. SentAt is written as it is; the transport sets it.
func (e *Envelope) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	if err := e.appendTo(&buf); err != nil {
		return 0, err
	}
	return buf.WriteTo(w)
}

func (e *Envelope) appendTo(buf *bytes.Buffer) error {
	h := e.Header
	if !h.SentAt.IsZero() {
		h.SentAt = h.SentAt.UTC()
	}
	if h.SDK != nil {
		h.SDK = &SDK{Name: h.SDK.Name, Version: h.SDK.Version}
	}
	b, err := json.Marshal(&h)
	if err != nil {
		return err
	}
	buf.Write(b)
	buf.WriteByte('\n')
	for i := range e.Items {
		if err := appendItem(buf, &e.Items[i]); err != nil {
			return err
		}
	}
	return nil
}

// appendItem writes one item. The common headers (type and length only) are
// written without encoding/json.
func appendItem(buf *bytes.Buffer, it *EnvelopeItem) error {
	h := it.Header
	h.Length = len(it.Payload)
	if h.ContentType == "" && h.ItemCount == 0 && h.Filename == "" && plainToken(h.Type) {
		var tmp [64]byte
		b := append(tmp[:0], `{"type":"`...)
		b = append(b, h.Type...)
		b = append(b, `","length":`...)
		b = strconv.AppendInt(b, int64(h.Length), 10)
		b = append(b, '}', '\n')
		buf.Write(b)
	} else {
		b, err := json.Marshal(&h)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	buf.Write(it.Payload)
	buf.WriteByte('\n')
	return nil
}

// plainToken reports whether s needs no JSON escaping.
func plainToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

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
