package core

import (
	"context"
	"encoding/hex"
	"github.com/sentrylog/sentrylog/core/protocol"
	"net/url"
	"strconv"
	"strings"
)

// The names of the headers that carry a trace between services.
const (
	headerSentryTrace = "sentry-trace"
	headerTraceparent = "traceparent"
	headerBaggage     = "baggage"
)

// Baggage limits (W3C): a header longer than maxBaggage bytes is ignored
// whole; members past maxMembers are dropped.
const (
	maxBaggage = 8192
	maxMembers = 180
)

// Transaction sources, from package protocol.
const (
	sourceCustom = protocol.SourceCustom
	sourceRoute  = protocol.SourceRoute
	sourceURL    = protocol.SourceURL
)

// ContinueTrace returns a context with a new isolation scope continuing the
// trace of a request's or message's headers; header returns one by its
// lowercase name ("sentry-trace", "traceparent", "baggage"), or "". A valid
// sentry-trace wins over traceparent; without a valid header the scope starts
// a new trace.
func ContinueTrace(ctx context.Context, header func(name string) string) context.Context {
	if header == nil {
		return newIsolationScope(ctx, newTrace())
	}
	return newIsolationScope(ctx, continued(header))
}

// continued returns the propagation context continued from the headers
// that header returns, or a new trace.
func continued(header func(string) string) propagation {
	var p propagation
	ok := false
	if v := header(headerSentryTrace); v != "" {
		p.trace, p.parent, p.sampled, ok = parseSentryTrace(v)
	}
	if !ok {
		if v := header(headerTraceparent); v != "" {
			p.trace, p.parent, p.sampled, ok = parseTraceparent(v)
		}
	}
	if !ok {
		return newTrace()
	}
	p.span = newSpanID()
	bg := header(headerBaggage)
	if bg == "" {
		return p
	}
	in := &incoming{rand: -1}
	in.dsc, in.others = parseBaggage(bg)
	var rate, rnd string
	hasTraceID := false
	for _, kv := range in.dsc {
		switch kv.key {
		case "trace_id":
			hasTraceID = true
			var t [16]byte
			if !hexDecode(t[:], kv.value) || t != p.trace {
				// The baggage belongs to another trace: not this one's DSC.
				in.dsc, rate, rnd = nil, "", ""
			}
		case "sample_rate":
			rate = kv.value
		case "sample_rand":
			rnd = kv.value
		}
		if in.dsc == nil {
			break
		}
	}
	if in.dsc != nil && !hasTraceID {
		in.dsc = append(in.dsc, member{"trace_id", hex.EncodeToString(p.trace[:])})
	}
	if rnd != "" {
		if f, err := parseUnit(rnd); err == nil {
			in.rand = f
		}
	}
	if in.rand < 0 {
		in.rand = drawRand(p.sampled, rate)
	}
	if in.dsc == nil && in.others == "" && in.rand < 0 {
		return p
	}
	p.in = in
	return p
}

// parseSentryTrace reads a sentry-trace header: {trace_id}-{span_id} and an
// optional -{sampled} (1 or 0), lowercase hex, ids not all zeros, spaces
// and tabs around it allowed.
func parseSentryTrace(h string) (trace [16]byte, span [8]byte, sampled int8, ok bool) {
	h = strings.Trim(h, " \t")
	if len(h) != 49 && len(h) != 51 || h[32] != '-' {
		return trace, span, 0, false
	}
	if len(h) == 51 {
		switch h[49:] {
		case "-1":
			sampled = 1
		case "-0":
			sampled = -1
		default:
			return trace, span, 0, false
		}
	}
	if !hexDecode(trace[:], h[:32]) || !hexDecode(span[:], h[33:49]) ||
		trace == ([16]byte{}) || span == ([8]byte{}) {
		return [16]byte{}, [8]byte{}, 0, false
	}
	return trace, span, sampled, true
}

// parseTraceparent reads a W3C traceparent header:
// {version}-{trace_id}-{parent_id}-{flags}, lowercase hex, ids not all
// zeros; version ff is invalid, version 00 has exactly these four fields,
// and later versions may add fields after them. Flag bit 0 is the sampling
// decision.
func parseTraceparent(h string) (trace [16]byte, span [8]byte, sampled int8, ok bool) {
	h = strings.Trim(h, " \t")
	if len(h) < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-' || (len(h) > 55 && h[55] != '-') {
		return trace, span, 0, false
	}
	if !isLowerHex(h[:2]) || h[:2] == "ff" || !isLowerHex(h[53:55]) {
		return trace, span, 0, false
	}
	if h[:2] == "00" && len(h) != 55 {
		return trace, span, 0, false
	}
	if !hexDecode(trace[:], h[3:35]) || !hexDecode(span[:], h[36:52]) ||
		trace == ([16]byte{}) || span == ([8]byte{}) {
		return [16]byte{}, [8]byte{}, 0, false
	}
	var flags [1]byte
	hex.Decode(flags[:], []byte(h[53:55]))
	sampled = -1
	if flags[0]&1 == 1 {
		sampled = 1
	}
	return trace, span, sampled, true
}

// parseBaggage splits a W3C baggage header into the Sentry members (prefix
// "sentry-" removed, values decoded) and the other members, kept as
// received. A header over maxBaggage bytes is ignored whole; malformed
// members are skipped.
func parseBaggage(h string) (sentry []member, others string) {
	if h == "" || len(h) > maxBaggage {
		return nil, ""
	}
	var b strings.Builder
	n := 0
	for raw := range strings.SplitSeq(h, ",") {
		raw = strings.Trim(raw, " \t")
		if raw == "" {
			continue
		}
		if n++; n > maxMembers {
			break
		}
		kv, _, _ := strings.Cut(raw, ";")
		k, v, found := strings.Cut(kv, "=")
		k, v = strings.Trim(k, " \t"), strings.Trim(v, " \t")
		if !found || !validToken(k) {
			continue
		}
		if name, isSentry := strings.CutPrefix(k, "sentry-"); isSentry {
			dv, err := url.PathUnescape(v)
			if err != nil || name == "" {
				continue
			}
			sentry = append(sentry, member{name, dv})
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(raw)
	}
	return sentry, b.String()
}

// validToken reports whether k is a baggage key: an RFC 7230 token.
func validToken(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// parseUnit parses a sample_rand: a number in [0, 1).
func parseUnit(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err == nil && !(f >= 0 && f < 1) {
		err = strconv.ErrRange
	}
	return f, err
}

// PropagationHeaders returns the sentry-trace, traceparent and baggage
// headers that continue ctx's trace (that of [Options.SpanFromContext]'s
// span, else of ctx's isolation scope, else of the global scope) in another
// service. baggage is the outgoing current baggage header, or "": its Sentry
// members are replaced, others kept within 8192 bytes.
func (c *Client) PropagationHeaders(ctx context.Context, baggage string) (sentryTrace, traceparent, outBaggage string) {
	prop := c.propagationOf(ctx)
	if prop == nil {
		return "", "", ""
	}
	trace, span := prop.trace, prop.span
	if t, s, ok := c.activeSpan(ctx); ok {
		trace, span = t, s
	}
	var tid [32]byte
	var sid [16]byte
	hex.Encode(tid[:], trace[:])
	hex.Encode(sid[:], span[:])

	var b strings.Builder
	b.Grow(51)
	b.Write(tid[:])
	b.WriteByte('-')
	b.Write(sid[:])
	flags := "-00"
	if trace == prop.trace && prop.sampled != 0 {
		if prop.sampled > 0 {
			b.WriteString("-1")
			flags = "-01"
		} else {
			b.WriteString("-0")
		}
	}
	sentryTrace = b.String()
	traceparent = "00-" + string(tid[:]) + "-" + string(sid[:]) + flags

	var out strings.Builder
	add := func(k, v string) {
		// A member that would take the header over the W3C limit is left
		// out (a frozen value can grow threefold when escaped).
		ev := escapeBaggage(v)
		if out.Len()+1+len("sentry-")+len(k)+1+len(ev) > maxBaggage {
			return
		}
		if out.Len() > 0 {
			out.WriteByte(',')
		}
		out.WriteString("sentry-")
		out.WriteString(k)
		out.WriteByte('=')
		out.WriteString(ev)
	}
	if dsc := prop.frozen(); dsc != nil && trace == prop.trace {
		for _, kv := range dsc {
			add(kv.key, kv.value)
		}
	} else {
		name, source := "", ""
		if s := IsolationScope(ctx); s != nil {
			name, source = s.transactionName()
		}
		c.appendDSC(prop, trace, name, source, add)
	}
	others := prop.others()
	if baggage != "" {
		_, others = parseBaggage(baggage)
	}
	for m := range strings.SplitSeq(others, ",") {
		if m != "" && out.Len()+1+len(m) <= maxBaggage {
			out.WriteByte(',')
			out.WriteString(m)
		}
	}
	return sentryTrace, traceparent, out.String()
}

// PropagationHeaders is [Client.PropagationHeaders] of the current client.
func PropagationHeaders(ctx context.Context, baggage string) (sentryTrace, traceparent, outBaggage string) {
	return CurrentClient().PropagationHeaders(ctx, baggage)
}

// escapeBaggage percent-encodes a baggage value: everything but the
// characters a W3C baggage value may hold as they are.
func escapeBaggage(v string) string {
	const hexd = "0123456789ABCDEF"
	plain := func(c byte) bool {
		return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\' && c != '%' && c != '='
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if !plain(v[i]) {
			n++
		}
	}
	if n == 0 {
		return v
	}
	b := make([]byte, 0, len(v)+2*n)
	for i := 0; i < len(v); i++ {
		c := v[i]
		if plain(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexd[c>>4], hexd[c&15])
		}
	}
	return string(b)
}
