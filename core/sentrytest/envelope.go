package sentrytest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/sentrylog/sentrylog/core"
)

// Envelope is one envelope the server accepted, as it came in.
type Envelope struct {
	// Header is the envelope's first line.
	Header EnvelopeHeader
	// Items are the envelope's items in the order they were sent.
	Items []Item
	// Request describes the HTTP request that carried the envelope.
	Request RequestInfo
}

// EnvelopeHeader holds the fields of an envelope header that this SDK
// writes. Raw keeps the whole line.
type EnvelopeHeader struct {
	EventID string          `json:"event_id,omitempty"`
	SentAt  time.Time       `json:"sent_at,omitzero"`
	DSN     string          `json:"dsn,omitempty"`
	SDK     *core.SDK       `json:"sdk,omitempty"`
	Raw     json.RawMessage `json:"-"`
}

// Item is one item of an envelope: its type, its whole header, and its
// payload bytes (without the terminating newline).
type Item struct {
	Type    string
	Header  map[string]any
	Payload []byte
}

// Event decodes the item's payload as an event.
func (it Item) Event() (*core.Event, error) {
	if it.Type != "event" {
		return nil, fmt.Errorf("sentrytest: item of type %q is not an event", it.Type)
	}
	ev := new(core.Event)
	if err := json.Unmarshal(it.Payload, ev); err != nil {
		return nil, fmt.Errorf("sentrytest: decode event: %w", err)
	}
	return ev, nil
}

// ClientReport decodes the item's payload as a client report.
func (it Item) ClientReport() (ClientReport, error) {
	var cr ClientReport
	if it.Type != "client_report" {
		return cr, fmt.Errorf("sentrytest: item of type %q is not a client report", it.Type)
	}
	if err := json.Unmarshal(it.Payload, &cr); err != nil {
		return cr, fmt.Errorf("sentrytest: decode client report: %w", err)
	}
	return cr, nil
}

// ClientReport is the payload of a client_report item: the items an SDK
// dropped, by reason and category.
type ClientReport struct {
	Timestamp       time.Time            `json:"-"`
	DiscardedEvents []core.DiscardedItem `json:"discarded_events"`
}

// UnmarshalJSON accepts the timestamp as RFC 3339 text or as unix seconds,
// as Sentry does.
func (cr *ClientReport) UnmarshalJSON(b []byte) error {
	var in struct {
		Timestamp       json.RawMessage      `json:"timestamp"`
		DiscardedEvents []core.DiscardedItem `json:"discarded_events"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	ts, err := parseTimestamp(in.Timestamp)
	if err != nil {
		return err
	}
	cr.Timestamp, cr.DiscardedEvents = ts, in.DiscardedEvents
	return nil
}

func parseTimestamp(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if raw[0] == '"' {
		var t time.Time
		if err := json.Unmarshal(raw, &t); err != nil {
			return time.Time{}, fmt.Errorf("timestamp: %w", err)
		}
		return t, nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %s: not RFC 3339 text or unix seconds", raw)
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
}

// RequestInfo is what the server saw of the HTTP request.
type RequestInfo struct {
	Method          string
	Path            string
	ContentType     string
	ContentEncoding string
	UserAgent       string
	Auth            string // the X-Sentry-Auth header
}

// errMalformed marks parse failures, answered 400.
var errMalformed = errors.New("malformed envelope")

// parseEnvelope reads an envelope strictly: a header line, then items, each
// a header line and a payload of the declared length followed by a newline
// or the end of the body, or, without a length, up to the next newline.
func parseEnvelope(body []byte) (Envelope, error) {
	var env Envelope
	r := bufio.NewReader(bytes.NewReader(body))
	line, err := readLine(r)
	if err != nil {
		return env, fmt.Errorf("%w: header: %v", errMalformed, err)
	}
	if err := json.Unmarshal(line, &env.Header); err != nil {
		return env, fmt.Errorf("%w: header: %v", errMalformed, err)
	}
	env.Header.Raw = append(json.RawMessage(nil), line...)
	for n := 0; ; n++ {
		line, err := readLine(r)
		if errors.Is(err, io.EOF) {
			return env, nil
		}
		if err != nil {
			return env, fmt.Errorf("%w: item %d header: %v", errMalformed, n, err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			// Tolerate a trailing empty line only at the very end.
			if _, err := r.Peek(1); errors.Is(err, io.EOF) {
				return env, nil
			}
			return env, fmt.Errorf("%w: item %d: empty header line", errMalformed, n)
		}
		it, err := readItem(r, line)
		if err != nil {
			return env, fmt.Errorf("%w: item %d: %v", errMalformed, n, err)
		}
		env.Items = append(env.Items, it)
	}
}

func readItem(r *bufio.Reader, headerLine []byte) (Item, error) {
	var it Item
	dec := json.NewDecoder(bytes.NewReader(headerLine))
	dec.UseNumber()
	if err := dec.Decode(&it.Header); err != nil {
		return it, fmt.Errorf("header: %v", err)
	}
	typ, _ := it.Header["type"].(string)
	if typ == "" {
		return it, errors.New("header has no type")
	}
	it.Type = typ
	raw, ok := it.Header["length"]
	if !ok {
		payload, err := readLine(r)
		if err != nil && !errors.Is(err, io.EOF) {
			return it, err
		}
		it.Payload = payload
		return it, nil
	}
	num, ok := raw.(json.Number)
	if !ok {
		return it, fmt.Errorf("length %v is not a number", raw)
	}
	n, err := num.Int64()
	if err != nil || n < 0 || n > maxBody {
		return it, fmt.Errorf("length %v is not a valid size", raw)
	}
	it.Payload = make([]byte, n)
	if _, err := io.ReadFull(r, it.Payload); err != nil {
		return it, fmt.Errorf("payload shorter than its length %d", n)
	}
	switch b, err := r.ReadByte(); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return it, err
	case b != '\n':
		return it, fmt.Errorf("payload of length %d is not followed by a newline", n)
	}
	return it, nil
}

// readLine returns the next line without its newline; io.EOF only when
// nothing is left.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadBytes('\n')
	if errors.Is(err, io.EOF) {
		if len(line) == 0 {
			return nil, io.EOF
		}
		return line, nil
	}
	if err != nil {
		return nil, err
	}
	return line[:len(line)-1], nil
}
