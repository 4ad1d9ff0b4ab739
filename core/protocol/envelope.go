package protocol

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Envelope is a Sentry envelope: one header line, then items, each an item
// header line and a payload [ParseEnvelope] reads one; package core writes them.
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

// The item types package core writes.
const (
	ItemTypeEvent        = "event"
	ItemTypeClientReport = "client_report"
	ItemTypeLog          = "log"
	ItemTypeAttachment   = "attachment"
)

// LogContentType is the content type of a log envelope item.
const LogContentType = "application/vnd.sentry.items.log+json"

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
	if err := e.AppendTo(&buf); err != nil {
		return 0, err
	}
	return buf.WriteTo(w)
}

// AppendTo writes the envelope in wire form to buf, as [Envelope.WriteTo].
func (e *Envelope) AppendTo(buf *bytes.Buffer) error {
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

// ClientReport is the payload of a client_report item: how many items the
// SDK dropped, by reason and category, since the previous report.
type ClientReport struct {
	Timestamp       time.Time       `json:"timestamp"`
	DiscardedEvents []DiscardedItem `json:"discarded_events"`
}

// DiscardedItem is one line of a client report: a count of items dropped
// for one reason in one data category.
type DiscardedItem struct {
	Reason   string `json:"reason"`
	Category string `json:"category"`
	Quantity int64  `json:"quantity"`
}
