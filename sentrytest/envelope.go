package sentrytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"

	"github.com/sentrylog/sentrylog/core"
)

// Envelope is one envelope the server accepted, as protocol.ParseEnvelope read
// it, with what the server saw of the request that carried it. Items of
// every type are kept; their payloads are raw bytes.
type Envelope struct {
	protocol.Envelope
	// Request describes the HTTP request that carried the envelope.
	Request RequestInfo
}

// ClientReport is the payload of a client_report item.
type ClientReport = protocol.ClientReport

// RequestInfo is what the server saw of an HTTP request.
type RequestInfo struct {
	Method          string
	Path            string
	ContentType     string
	ContentEncoding string
	UserAgent       string
	Auth            string // the X-Sentry-Auth header
}

// DecodeEvent decodes an event item's payload.
func DecodeEvent(it protocol.EnvelopeItem) (*core.Event, error) {
	if it.Header.Type != protocol.ItemTypeEvent {
		return nil, fmt.Errorf("sentrytest: item of type %q is not an event", it.Header.Type)
	}
	ev := new(core.Event)
	if err := json.Unmarshal(it.Payload, ev); err != nil {
		return nil, fmt.Errorf("sentrytest: decode event: %w", err)
	}
	return ev, nil
}

// DecodeClientReport decodes a client_report item's payload.
func DecodeClientReport(it protocol.EnvelopeItem) (ClientReport, error) {
	var cr ClientReport
	if it.Header.Type != protocol.ItemTypeClientReport {
		return cr, fmt.Errorf("sentrytest: item of type %q is not a client report", it.Header.Type)
	}
	if err := json.Unmarshal(it.Payload, &cr); err != nil {
		return cr, fmt.Errorf("sentrytest: decode client report: %w", err)
	}
	return cr, nil
}

// parseEnvelope reads a decompressed body with protocol.ParseEnvelope, after
// refusing a gzip body that came without Content-Encoding: gzip (which
// ParseEnvelope would accept, and Sentry would not).
func parseEnvelope(body []byte) (*protocol.Envelope, error) {
	if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		return nil, fmt.Errorf("%w: gzip body without Content-Encoding: gzip", protocol.ErrInvalidEnvelope)
	}
	return protocol.ParseEnvelope(bytes.NewReader(body))
}
