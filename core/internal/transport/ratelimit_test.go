package transport

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var rlNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// limitsOf describes l as seconds from rlNow, for readable tables.
func limitsOf(l rateLimits) map[string]float64 {
	out := map[string]float64{}
	if !l.all.IsZero() {
		out["all"] = l.all.Sub(rlNow).Seconds()
	}
	for c, u := range l.cat {
		if !u.IsZero() {
			out[Category(c).String()] = u.Sub(rlNow).Seconds()
		}
	}
	return out
}

func TestParseRateLimitHeader(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]float64
	}{
		{"", map[string]float64{}},
		{"60::organization", map[string]float64{"all": 60}},
		{"60", map[string]float64{"all": 60}},
		{"60:", map[string]float64{"all": 60}},
		{"60:error:project:reason", map[string]float64{"error": 60}},
		{"60:default:project", map[string]float64{"error": 60}},
		{"2.5:error", map[string]float64{"error": 2.5}},
		{"60:error;log_item;attachment:key", map[string]float64{"error": 60, "log_item": 60, "attachment": 60}},
		{"60:transaction;error:key", map[string]float64{"error": 60}},
		{"60:transaction:key", map[string]float64{}},
		{"60:transaction;session;span:key, 10::org", map[string]float64{"all": 10}},
		{"60:internal:key", map[string]float64{}},
		{"60:foobar:key", map[string]float64{}},
		{"10:error:a, 30:error:b, 20:error:c", map[string]float64{"error": 30}},
		{"30:error:a,10:error:b", map[string]float64{"error": 30}},
		{" 60 : error ; log_item : project : reason : extra : fields ", map[string]float64{"error": 60, "log_item": 60}},
		{"60:error:project:reason:namespace1;namespace2", map[string]float64{"error": 60}},
		{"abc:error, 60:log_item", map[string]float64{"log_item": 60}},
		{"-5:error, 5:attachment", map[string]float64{"attachment": 5}},
		{"NaN:error", map[string]float64{}},
		{"Inf:error", map[string]float64{"error": maxRetryAfter.Seconds()}},
		{"1e30::org", map[string]float64{"all": maxRetryAfter.Seconds()}},
		{":error", map[string]float64{}},
		{",,,", map[string]float64{}},
		{"0:error", map[string]float64{"error": 0}},
		{"60:ERROR", map[string]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, limitsOf(parseRateLimitHeader(tt.in, rlNow)))
		})
	}
}

func TestRateLimitsLimited(t *testing.T) {
	l := parseRateLimitHeader("60:error, 5::org", rlNow)
	assert.True(t, l.limited(CategoryError, rlNow))
	assert.True(t, l.limited(CategoryLogItem, rlNow), "all")
	assert.True(t, l.limited(CategoryInternal, rlNow), "all applies to client reports")
	later := rlNow.Add(10 * time.Second)
	assert.True(t, l.limited(CategoryError, later))
	assert.False(t, l.limited(CategoryLogItem, later))
	assert.False(t, l.limited(CategoryInternal, later))
	assert.False(t, l.limited(CategoryError, rlNow.Add(60*time.Second)), "the deadline itself is free")
	assert.Equal(t, rlNow.Add(60*time.Second), l.until(CategoryError))

	// Merging keeps the longest per category.
	l.merge(parseRateLimitHeader("30:error, 100:attachment", rlNow))
	assert.Equal(t, map[string]float64{"all": 5, "error": 60, "attachment": 100}, limitsOf(l))
	l.merge(parseRateLimitHeader("90:error", rlNow))
	assert.Equal(t, 90.0, limitsOf(l)["error"])

	var z rateLimits
	assert.True(t, z.isZero())
	assert.False(t, z.limited(CategoryError, rlNow))
	assert.False(t, l.isZero())
}

func TestResponseLimits(t *testing.T) {
	date := rlNow.Add(120 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		name   string
		status int
		hdr    map[string]string
		want   map[string]float64
	}{
		{"200 plain", 200, nil, map[string]float64{}},
		{"200 with header", 200, map[string]string{"X-Sentry-Rate-Limits": "60:error"}, map[string]float64{"error": 60}},
		{"500 with header", 500, map[string]string{"X-Sentry-Rate-Limits": "7::x"}, map[string]float64{"all": 7}},
		{"429 bare", 429, nil, map[string]float64{"all": 60}},
		{"429 retry-after seconds", 429, map[string]string{"Retry-After": "17"}, map[string]float64{"all": 17}},
		{"429 retry-after date", 429, map[string]string{"Retry-After": date}, map[string]float64{"all": 120}},
		{"429 retry-after past date", 429, map[string]string{"Retry-After": rlNow.Add(-time.Hour).Format(http.TimeFormat)}, map[string]float64{"all": 0}},
		{"429 retry-after garbage", 429, map[string]string{"Retry-After": "soon"}, map[string]float64{"all": 60}},
		{"429 header wins over retry-after", 429, map[string]string{"X-Sentry-Rate-Limits": "5:error", "Retry-After": "99"}, map[string]float64{"error": 5}},
		{"200 retry-after ignored", 200, map[string]string{"Retry-After": "99"}, map[string]float64{}},
		{"503 retry-after ignored", 503, map[string]string{"Retry-After": "99"}, map[string]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.hdr {
				h.Set(k, v)
			}
			l := responseLimits(tt.status, h, rlNow)
			assert.Equal(t, tt.want, limitsOf(l))
			assert.Equal(t, tt.want["all"] > 0, l.limited(CategoryLogItem, rlNow))
		})
	}
}

func FuzzRateLimitHeader(f *testing.F) {
	for _, s := range []string{
		"60::organization", "60:error;log_item:project:reason", "2.5:default", "-1:error", "1e400::x",
		"60:transaction:key, 10::org", " , :;: ", "NaN::", "0x10:error", "60:error:a:b:c:d:e",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		l := parseRateLimitHeader(h, rlNow)
		if !l.all.IsZero() && (l.all.Before(rlNow) || l.all.After(rlNow.Add(maxRetryAfter))) {
			t.Fatalf("all limit out of range: %v", l.all)
		}
		for c, u := range l.cat {
			if !u.IsZero() && (u.Before(rlNow) || u.After(rlNow.Add(maxRetryAfter))) {
				t.Fatalf("%s limit out of range: %v", Category(c), u)
			}
		}
		// Parsing the same header twice and merging changes nothing.
		m := l
		m.merge(parseRateLimitHeader(h, rlNow))
		if m != l {
			t.Fatal("merge with itself changed the limits")
		}
	})
}
