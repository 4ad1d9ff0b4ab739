package core

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
)

// Every scope chain carries a propagation context: the trace its events
// and logs belong to (Sentry's "tracing without performance"). The global
// scope has one from start-up, continued from SENTRY_TRACE and
// SENTRY_BAGGAGE when they are set; each isolation scope has its own.

// propagation is a propagation context. It is set when its scope is made
// and never changed afterwards, so it is read without a lock.
type propagation struct {
	trace  [16]byte
	span   [8]byte
	parent [8]byte // zero: no parent (a trace started here)
	// in is what came with a continued trace's baggage; nil for a trace
	// started here or continued without baggage. (Kept apart, so that
	// every scope does not carry its room.)
	in *incoming
	// sampled is the incoming sampling decision: 0 none, 1 sampled, -1
	// not sampled. It is passed on as it came, never changed.
	sampled int8
}

// incoming is what a continued trace's baggage brought.
type incoming struct {
	// dsc holds the Sentry members, without their "sentry-" prefix and
	// decoded: the frozen dynamic sampling context of the trace. Nil when
	// the baggage had none; the DSC is then made from the client's options.
	dsc []member
	// others holds the members of other vendors, as received, joined by
	// commas.
	others string
	// rand is the trace's sample_rand, in [0, 1); negative: none came, and
	// the sampling decision and rate do not constrain it.
	rand float64
}

// frozen returns the incoming DSC, or nil.
func (p *propagation) frozen() []member {
	if p.in == nil {
		return nil
	}
	return p.in.dsc
}

// others returns the incoming members of other vendors' baggage.
func (p *propagation) others() string {
	if p.in == nil {
		return ""
	}
	return p.in.others
}

// sampleRand returns the trace's sample_rand: the incoming one, else one
// derived from the trace id, whose last bytes are random (for a trace
// started here and in W3C trace ids), so that every service that derives
// it finds the same.
func (p *propagation) sampleRand() float64 {
	if p.in != nil && p.in.rand >= 0 {
		return p.in.rand
	}
	return randFromTrace(p.trace)
}

// member is one key and value of a baggage header.
type member struct{ key, value string }

// Ids come from math/rand/v2's global generator: ChaCha8 per thread,
// seeded from the operating system, a few nanoseconds per call and no lock.
// Trace and span ids need to be unique, not secret.

func newTraceID() (id [16]byte) {
	binary.BigEndian.PutUint64(id[:8], rand.Uint64())
	binary.BigEndian.PutUint64(id[8:], rand.Uint64())
	if id == ([16]byte{}) {
		id[15] = 1
	}
	return id
}

func newSpanID() (id [8]byte) {
	binary.BigEndian.PutUint64(id[:], rand.Uint64())
	if id == ([8]byte{}) {
		id[7] = 1
	}
	return id
}

// newTrace returns the propagation context of a trace started here.
func newTrace() propagation {
	return propagation{trace: newTraceID(), span: newSpanID()}
}

// child returns the propagation context of a unit of work inside p's
// trace: the same trace, p's span as its parent, a span of its own.
func (p *propagation) child() propagation {
	c := *p
	c.parent = p.span
	c.span = newSpanID()
	return c
}

// drawRand returns sample_rand for a continued trace without one, when
// the incoming decision and rate are known: drawn so that it agrees with
// them (below the rate when sampled); else -1.
func drawRand(sampled int8, rate string) float64 {
	f, err := strconv.ParseFloat(rate, 64)
	if sampled == 0 || err != nil || !(f >= 0 && f <= 1) {
		return -1
	}
	r := rand.Float64()
	if sampled > 0 {
		return r * f
	}
	if r = f + r*(1-f); r >= 1 {
		return -1 // not sampled at rate 1: the two disagree
	}
	return r
}

// formatRand writes sample_rand with six decimals, cut (not rounded) so
// that it stays below 1.
func formatRand(r float64) string {
	return strconv.FormatFloat(math.Floor(r*1e6)/1e6, 'f', 6, 64)
}

// propagationFromEnv returns the process's propagation context: continued
// from SENTRY_TRACE (a sentry-trace or traceparent value) and
// SENTRY_BAGGAGE when they hold a valid trace, else a new trace.
func propagationFromEnv() propagation {
	trace, baggage := os.Getenv("SENTRY_TRACE"), os.Getenv("SENTRY_BAGGAGE")
	if trace == "" {
		return newTrace()
	}
	return continued(func(name string) string {
		switch name {
		case headerSentryTrace, headerTraceparent:
			return trace // parseIncoming tells the forms apart
		case headerBaggage:
			return baggage
		}
		return ""
	})
}

// propagationOf returns the propagation context that ctx's events belong
// to: its isolation scope's, else the global scope's (c may be nil).
func (c *Client) propagationOf(ctx context.Context) *propagation {
	if s := IsolationScope(ctx); s != nil {
		return &s.prop
	}
	if c != nil {
		return &c.global.prop
	}
	return nil
}

// traceOf returns the trace that a capture with ctx belongs to: the ids of
// the span that Options.SpanFromContext finds in ctx, with realSpan true;
// else the trace id and span id of the propagation context of ctx's
// isolation scope (the global scope's when it has none), with realSpan
// false. A Sentry log carries traceID always and spanID only when realSpan
// is true. It costs a context lookup and is safe on any goroutine.
func (c *Client) traceOf(ctx context.Context) (traceID [16]byte, spanID [8]byte, realSpan bool) {
	if t, s, ok := c.activeSpan(ctx); ok {
		return t, s, true
	}
	if p := c.propagationOf(ctx); p != nil {
		return p.trace, p.span, false
	}
	return traceID, spanID, false
}

// activeSpan asks Options.SpanFromContext for ctx's span, if it is set;
// all-zero ids and a panic count as none.
func (c *Client) activeSpan(ctx context.Context) (traceID [16]byte, spanID [8]byte, ok bool) {
	if c == nil || c.opts.SpanFromContext == nil || ctx == nil {
		return traceID, spanID, false
	}
	defer func() {
		if r := recover(); r != nil {
			c.debug.Printf("SpanFromContext panicked: %v", r)
			ok = false
		}
	}()
	traceID, spanID, ok = c.opts.SpanFromContext(ctx)
	if traceID == ([16]byte{}) || spanID == ([8]byte{}) {
		ok = false
	}
	return traceID, spanID, ok
}

// applyTrace sets the event's contexts.trace and its DSC, from the active
// span of the capture's context, else from the propagation context of its
// isolation scope (the global scope's when it has none). A trace context
// the event or a scope set already is kept.
func (c *Client) applyTrace(ev *Event, p *pending) {
	scope := c.global
	if p.iso.s != nil {
		scope = p.iso.s
	}
	prop := &scope.prop
	if tc := ev.Contexts["trace"]; tc != nil {
		id, _ := tc["trace_id"].(string)
		var t [16]byte
		if len(id) == 32 && hexDecode(t[:], id) && t != ([16]byte{}) {
			ev.DSC = c.dsc(prop, t, ev)
		}
		return
	}
	if ev.Contexts == nil {
		ev.Contexts = c.newContexts(0)
	}
	if t, s, ok := c.activeSpan(p.ctx); ok {
		ev.Contexts["trace"] = traceContext(t, s, [8]byte{})
		ev.DSC = c.dsc(prop, t, ev)
		return
	}
	// The scope's trace: the same for all its events (but for the
	// transaction in the DSC), made once and kept on the scope.
	tx, source := ev.Transaction, transactionSource(ev)
	tcache := scope.trace.Load()
	if tcache == nil || tcache.c != c || tcache.tx != tx || tcache.source != source {
		tcache = &traceCache{c: c, tx: tx, source: source,
			tc: traceContext(prop.trace, prop.span, prop.parent), dsc: c.dsc(prop, prop.trace, ev)}
		if c.sealed() {
			tcache.final = c.makeFinalCtx("trace", tcache.tc)
		}
		scope.trace.Store(tcache)
	}
	if tcache.final.m != nil && c.sealed() { // final: the passes skip it
		c.memo.ctx = append(c.memo.ctx, tcache.final)
		ev.DSC = tcache.dsc
		return
	}
	if c.shareDefaults { // no user code sees the event: it may share them
		ev.Contexts["trace"], ev.DSC = tcache.tc, tcache.dsc
		return
	}
	ev.Contexts["trace"], ev.DSC = maps.Clone(tcache.tc), maps.Clone(tcache.dsc)
}

// traceCache is a scope's trace context and DSC as events carry them,
// for the client and transaction it was made for.
type traceCache struct {
	c          *Client
	tx, source string
	tc         map[string]any
	final      finalCtx // tc in final form, for a sealed client
	dsc        map[string]string
}

func traceContext(trace [16]byte, span, parent [8]byte) map[string]any {
	tc := make(map[string]any, 3)
	tc["trace_id"] = hex.EncodeToString(trace[:])
	tc["span_id"] = hex.EncodeToString(span[:])
	if parent != ([8]byte{}) {
		tc["parent_span_id"] = hex.EncodeToString(parent[:])
	}
	return tc
}

// dsc returns the dynamic sampling context of trace for an event: the
// frozen incoming one when trace is prop's continued trace, else one made
// here (trace_id, public_key, release, environment, the transaction when it
// names a route or was set by the program, sample_rand and the incoming
// sampling decision).
func (c *Client) dsc(prop *propagation, trace [16]byte, ev *Event) map[string]string {
	if dsc := prop.frozen(); dsc != nil && trace == prop.trace {
		m := make(map[string]string, len(dsc))
		for _, kv := range dsc {
			m[kv.key] = kv.value
		}
		return m
	}
	m := make(map[string]string, 6)
	c.appendDSC(prop, trace, ev.Transaction, transactionSource(ev), func(k, v string) { m[k] = v })
	return m
}

func transactionSource(ev *Event) string {
	if ev.TransactionInfo != nil {
		return ev.TransactionInfo.Source
	}
	return ""
}

// appendDSC calls add for each member of a DSC made here for trace.
func (c *Client) appendDSC(prop *propagation, trace [16]byte, transaction, source string, add func(k, v string)) {
	add("trace_id", hex.EncodeToString(trace[:]))
	if c != nil {
		if k := c.dsn.PublicKey(); k != "" {
			add("public_key", k)
		}
		if c.opts.Release != "" {
			add("release", c.opts.Release)
		}
		if c.opts.Environment != "" {
			add("environment", c.opts.Environment)
		}
	}
	if transaction != "" && source != sourceURL {
		add("transaction", transaction)
	}
	r := prop.sampleRand()
	if trace != prop.trace {
		r = randFromTrace(trace)
	}
	add("sample_rand", formatRand(r))
	if trace == prop.trace && prop.sampled != 0 {
		add("sampled", strconv.FormatBool(prop.sampled > 0))
	}
}

// randFromTrace derives a sample_rand from a trace id made elsewhere (an
// OpenTelemetry span's): its last 7 bytes are random in W3C trace ids.
func randFromTrace(t [16]byte) float64 {
	var v uint64
	for _, b := range t[9:] {
		v = v<<8 | uint64(b)
	}
	return float64(v>>3) / (1 << 53)
}

func hexDecode(dst []byte, s string) bool {
	if len(s) != 2*len(dst) || !isLowerHex(s) {
		return false
	}
	_, err := hex.Decode(dst, []byte(s))
	return err == nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
