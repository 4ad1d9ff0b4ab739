package core

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	inTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	inSpan  = "00f067aa0ba902b7"
)

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func TestParseSentryTrace(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		sampled int8
	}{
		{inTrace + "-" + inSpan, true, 0},
		{inTrace + "-" + inSpan + "-1", true, 1},
		{inTrace + "-" + inSpan + "-0", true, -1},
		{" \t" + inTrace + "-" + inSpan + "-1 ", true, 1},
		{inTrace + "-" + inSpan + "-2", false, 0},
		{inTrace + "-" + inSpan + "-", false, 0},
		{strings.ToUpper(inTrace) + "-" + inSpan, false, 0},
		{strings.Repeat("0", 32) + "-" + inSpan, false, 0},
		{inTrace + "-" + strings.Repeat("0", 16), false, 0},
		{inTrace + inSpan, false, 0},
		{inTrace + "-" + inSpan[:15] + "g", false, 0},
		{"", false, 0},
		{"garbage", false, 0},
	}
	for _, tt := range tests {
		tr, sp, sampled, ok := parseSentryTrace(tt.in)
		require.Equal(t, tt.ok, ok, "%q", tt.in)
		if ok {
			assert.Equal(t, inTrace, hexOf(tr[:]))
			assert.Equal(t, inSpan, hexOf(sp[:]))
			assert.Equal(t, tt.sampled, sampled, "%q", tt.in)
		}
	}
}

func TestParseTraceparent(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		sampled int8
	}{
		{"00-" + inTrace + "-" + inSpan + "-01", true, 1},
		{"00-" + inTrace + "-" + inSpan + "-00", true, -1},
		{"00-" + inTrace + "-" + inSpan + "-03", true, 1},
		{"01-" + inTrace + "-" + inSpan + "-01-future", true, 1},
		{"00-" + inTrace + "-" + inSpan + "-01-x", false, 0}, // version 00 has 4 fields
		{"ff-" + inTrace + "-" + inSpan + "-01", false, 0},
		{"00-" + strings.Repeat("0", 32) + "-" + inSpan + "-01", false, 0},
		{"00-" + inTrace + "-" + strings.Repeat("0", 16) + "-01", false, 0},
		{"00-" + strings.ToUpper(inTrace) + "-" + inSpan + "-01", false, 0},
		{"00-" + inTrace + "-" + inSpan, false, 0},
		{"00-" + inTrace + "-" + inSpan + "-0g", false, 0},
		{"garbage", false, 0},
	}
	for _, tt := range tests {
		tr, sp, sampled, ok := parseTraceparent(tt.in)
		require.Equal(t, tt.ok, ok, "%q", tt.in)
		if ok {
			assert.Equal(t, inTrace, hexOf(tr[:]))
			assert.Equal(t, inSpan, hexOf(sp[:]))
			assert.Equal(t, tt.sampled, sampled, "%q", tt.in)
		}
	}
}

func TestParseBaggage(t *testing.T) {
	sentry, others := parseBaggage("other=1, sentry-trace_id=" + inTrace + ",sentry-release=a%20b;prop=x, =bad,vendor-x=y;p, sentry-=z, bad key=1,noequals")
	assert.Equal(t, []member{{"trace_id", inTrace}, {"release", "a b"}}, sentry)
	assert.Equal(t, "other=1,vendor-x=y;p", others)

	sentry, others = parseBaggage("sentry-release=x," + strings.Repeat("a", maxBaggage))
	assert.Nil(t, sentry, "an oversized header is ignored whole")
	assert.Empty(t, others)

	var many []string
	for i := 0; i < maxMembers+20; i++ {
		many = append(many, "k"+strings.Repeat("x", i%3)+"="+"v")
	}
	_, others = parseBaggage(strings.Join(many, ","))
	assert.Equal(t, maxMembers, strings.Count(others, ",")+1, "members past the limit are dropped")

	sentry, _ = parseBaggage("sentry-release=%zz")
	assert.Nil(t, sentry, "a value that does not decode is skipped")
}

func headers(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestContinued(t *testing.T) {
	st := inTrace + "-" + inSpan + "-1"
	tp := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"

	p := continued(headers(map[string]string{"sentry-trace": st, "traceparent": tp}))
	assert.Equal(t, inTrace, hexOf(p.trace[:]), "sentry-trace wins over traceparent")
	assert.Equal(t, inSpan, hexOf(p.parent[:]))
	assert.NotEqual(t, p.parent, p.span, "a span of its own")
	assert.NotEqual(t, [8]byte{}, p.span)
	assert.Equal(t, int8(1), p.sampled)
	assert.True(t, p.sampleRand() >= 0 && p.sampleRand() < 1)

	p = continued(headers(map[string]string{"sentry-trace": "bad", "traceparent": tp}))
	assert.Equal(t, "0af7651916cd43dd8448eb211c80319c", hexOf(p.trace[:]), "an invalid sentry-trace is ignored")
	assert.Equal(t, int8(-1), p.sampled)

	p = continued(headers(map[string]string{"sentry-trace": "bad", "traceparent": "bad"}))
	assert.NotEqual(t, inTrace, hexOf(p.trace[:]))
	assert.Equal(t, [8]byte{}, p.parent, "a new trace has no parent")
	assert.NotEqual(t, [16]byte{}, p.trace)

	// Baggage: frozen DSC, sample_rand kept.
	p = continued(headers(map[string]string{
		"sentry-trace": st,
		"baggage":      "sentry-trace_id=" + inTrace + ",sentry-public_key=up,sentry-sample_rand=0.25,sentry-release=1.0,acme=1",
	}))
	assert.Equal(t, []member{{"trace_id", inTrace}, {"public_key", "up"}, {"sample_rand", "0.25"}, {"release", "1.0"}}, p.frozen())
	assert.Equal(t, 0.25, p.sampleRand())
	assert.Equal(t, "acme=1", p.others())

	// A DSC without a trace_id gets the trace's.
	p = continued(headers(map[string]string{"sentry-trace": st, "baggage": "sentry-public_key=up"}))
	assert.Equal(t, []member{{"public_key", "up"}, {"trace_id", inTrace}}, p.frozen())

	// No baggage: nothing kept, sample_rand from the trace id.
	p = continued(headers(map[string]string{"sentry-trace": st}))
	assert.Nil(t, p.in)
	assert.Equal(t, randFromTrace(p.trace), p.sampleRand())

	// Baggage of another trace is not this trace's DSC.
	p = continued(headers(map[string]string{
		"sentry-trace": st,
		"baggage":      "sentry-trace_id=0af7651916cd43dd8448eb211c80319c,sentry-public_key=up,sentry-sample_rand=0.5",
	}))
	assert.Nil(t, p.frozen())
	assert.Equal(t, randFromTrace(p.trace), p.sampleRand(), "nor its sample_rand")

	// sample_rand derived from the decision and rate when absent.
	for range 50 {
		p = continued(headers(map[string]string{"sentry-trace": st, "baggage": "sentry-sample_rate=0.1"}))
		assert.True(t, p.sampleRand() >= 0 && p.sampleRand() < 0.1, "sampled at 0.1: %v", p.sampleRand())
		p = continued(headers(map[string]string{"sentry-trace": inTrace + "-" + inSpan + "-0", "baggage": "sentry-sample_rate=0.1"}))
		assert.True(t, p.sampleRand() >= 0.1 && p.sampleRand() < 1, "not sampled at 0.1: %v", p.sampleRand())
	}
}

func TestPropagationFromEnv(t *testing.T) {
	t.Setenv("SENTRY_TRACE", inTrace+"-"+inSpan+"-1")
	t.Setenv("SENTRY_BAGGAGE", "sentry-trace_id="+inTrace+",sentry-public_key=up")
	p := propagationFromEnv()
	assert.Equal(t, inTrace, hexOf(p.trace[:]))
	assert.Equal(t, inSpan, hexOf(p.parent[:]))
	assert.Equal(t, []member{{"trace_id", inTrace}, {"public_key", "up"}}, p.frozen())

	t.Setenv("SENTRY_TRACE", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	p = propagationFromEnv()
	assert.Equal(t, "0af7651916cd43dd8448eb211c80319c", hexOf(p.trace[:]), "a traceparent value serves too")

	t.Setenv("SENTRY_TRACE", "nonsense")
	p = propagationFromEnv()
	assert.Equal(t, [8]byte{}, p.parent, "an invalid value starts a new trace")
}

func TestNewIDsAreRandom(t *testing.T) {
	seen := map[[16]byte]bool{}
	for range 1000 {
		id := newTraceID()
		require.False(t, seen[id])
		seen[id] = true
	}
	a, b := newTrace(), newTrace()
	assert.NotEqual(t, a.trace, b.trace)
	assert.NotEqual(t, a.span, b.span)
}

func TestFormatRand(t *testing.T) {
	assert.Equal(t, "0.999999", formatRand(0.9999999999))
	assert.Equal(t, "0.000000", formatRand(0))
	assert.Equal(t, "0.250000", formatRand(0.25))
}

func TestEscapeBaggage(t *testing.T) {
	assert.Equal(t, "a%20b%2Cc%3Bd%3De%25", escapeBaggage("a b,c;d=e%"))
	assert.Equal(t, "GET /orders/{id}", strings.ReplaceAll(escapeBaggage("GET /orders/{id}"), "%20", " "))
	_, _ = parseBaggage("sentry-transaction=" + escapeBaggage("é, ;="))
	s, _ := parseBaggage("sentry-transaction=" + escapeBaggage("é, ;="))
	assert.Equal(t, []member{{"transaction", "é, ;="}}, s, "round trip")
}

// TestTraceOf is the function Sentry logs take their trace from: the
// active span when SpanFromContext finds one (a real span), else the
// propagation context's ids.
func TestTraceOf(t *testing.T) {
	type spanKey struct{}
	span := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	trace := [16]byte{9: 1}
	c, err := New(Options{Transport: NewMemoryTransport(), Storm: StormOptions{Disabled: true},
		SpanFromContext: func(ctx context.Context) ([16]byte, [8]byte, bool) {
			ok, _ := ctx.Value(spanKey{}).(bool)
			return trace, span, ok
		}})
	require.NoError(t, err)
	defer c.Close(context.Background())

	ctx := ContinueTrace(context.Background(), headers(map[string]string{"sentry-trace": inTrace + "-" + inSpan}))
	tr, sp, real := c.traceOf(ctx)
	assert.Equal(t, inTrace, hexOf(tr[:]))
	assert.Equal(t, IsolationScope(ctx).prop.span, sp)
	assert.False(t, real)

	tr, sp, real = c.traceOf(context.WithValue(ctx, spanKey{}, true))
	assert.Equal(t, trace, tr)
	assert.Equal(t, span, sp)
	assert.True(t, real)

	tr, _, real = c.traceOf(context.Background())
	assert.Equal(t, c.global.prop.trace, tr, "no isolation scope: the process's trace")
	assert.False(t, real)
}

func FuzzSentryTrace(f *testing.F) {
	f.Add(inTrace + "-" + inSpan + "-1")
	f.Add(inTrace + "-" + inSpan)
	f.Add(strings.Repeat("0", 32) + "-" + inSpan + "-0")
	f.Fuzz(func(t *testing.T, s string) {
		tr, sp, sampled, ok := parseSentryTrace(s)
		if !ok {
			return
		}
		if tr == ([16]byte{}) || sp == ([8]byte{}) || sampled < -1 || sampled > 1 {
			t.Fatalf("%q: invalid result accepted", s)
		}
		out := hexOf(tr[:]) + "-" + hexOf(sp[:])
		if !strings.Contains(s, out) {
			t.Fatalf("%q: ids %s not from the input", s, out)
		}
	})
}

func FuzzTraceparent(f *testing.F) {
	f.Add("00-" + inTrace + "-" + inSpan + "-01")
	f.Add("01-" + inTrace + "-" + inSpan + "-01-x")
	f.Add("ff-" + inTrace + "-" + inSpan + "-01")
	f.Fuzz(func(t *testing.T, s string) {
		tr, sp, _, ok := parseTraceparent(s)
		if !ok {
			return
		}
		if tr == ([16]byte{}) || sp == ([8]byte{}) {
			t.Fatalf("%q: zero id accepted", s)
		}
		if !strings.Contains(s, hexOf(tr[:])+"-"+hexOf(sp[:])) {
			t.Fatalf("%q: ids not from the input", s)
		}
	})
}

func FuzzBaggage(f *testing.F) {
	f.Add("sentry-trace_id=" + inTrace + ",sentry-public_key=k,other=1;p")
	f.Add("a=1,,b=%zz, c = d ;e")
	f.Fuzz(func(t *testing.T, s string) {
		sentry, others := parseBaggage(s)
		if len(s) > maxBaggage && (sentry != nil || others != "") {
			t.Fatalf("oversized baggage not ignored")
		}
		if len(sentry)+strings.Count(others, ",") > maxMembers {
			t.Fatalf("more than %d members kept", maxMembers)
		}
		// What is passed on parses again to the same members.
		_, again := parseBaggage(others)
		if again != others {
			t.Fatalf("others %q reparse to %q", others, again)
		}
	})
}

// FuzzContinueTrace feeds arbitrary headers through the whole path: a
// continued or new trace, and outgoing headers that parse back to it.
func FuzzContinueTrace(f *testing.F) {
	f.Add(inTrace+"-"+inSpan+"-1", "", "sentry-trace_id="+inTrace+",sentry-sample_rand=0.5,x=y")
	f.Add("", "00-"+inTrace+"-"+inSpan+"-01", "sentry-sample_rate=2")
	f.Add("bad", "bad", strings.Repeat("a=b,", 3000))
	c, err := New(Options{DSN: "https://key@o1.ingest.example/1", Transport: NewMemoryTransport(), Storm: StormOptions{Disabled: true}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close(context.Background()) })
	f.Fuzz(func(t *testing.T, st, tp, bg string) {
		ctx := ContinueTrace(context.Background(), headers(map[string]string{
			"sentry-trace": st, "traceparent": tp, "baggage": bg}))
		p := IsolationScope(ctx).prop
		if p.trace == ([16]byte{}) || p.span == ([8]byte{}) || !(p.sampleRand() >= 0 && p.sampleRand() < 1) {
			t.Fatalf("invalid propagation context %+v", p)
		}
		ost, otp, obg := c.PropagationHeaders(ctx, "")
		tr, sp, _, ok := parseSentryTrace(ost)
		if !ok || tr != p.trace || sp != p.span {
			t.Fatalf("sentry-trace %q does not carry the trace", ost)
		}
		if tr2, sp2, _, ok := parseTraceparent(otp); !ok || tr2 != p.trace || sp2 != p.span {
			t.Fatalf("traceparent %q does not carry the trace", otp)
		}
		if len(obg) > maxBaggage {
			t.Fatalf("outgoing baggage of %d bytes", len(obg))
		}
		if s, _ := parseBaggage(obg); len(s) == 0 {
			t.Fatalf("outgoing baggage %q has no Sentry members", obg)
		}
	})
}
