package core

// STUB(owner: transport helper) — replaced by the real HTTP transport.

import "context"

// HTTPTransport sends envelopes over HTTP.
type HTTPTransport struct{}

// NewHTTPTransport returns an HTTP transport; the client configures it.
func NewHTTPTransport() *HTTPTransport { return &HTTPTransport{} }

func (t *HTTPTransport) Send(ev *Event)                 {}
func (t *HTTPTransport) Flush(ctx context.Context) bool { return true }
func (t *HTTPTransport) Close(ctx context.Context) bool { return true }
