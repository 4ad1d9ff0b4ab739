package schematest

import (
	"strconv"
	"testing"
)

// dscKeys are the members a dynamic sampling context may have (Sentry's
// DSC, the envelope's trace header and the sentry- members of baggage).
var dscKeys = map[string]bool{
	"trace_id": true, "public_key": true, "release": true, "environment": true,
	"transaction": true, "sample_rate": true, "sample_rand": true, "sampled": true,
	"org_id": true, "replay_id": true, "user_segment": true,
}

// ValidateDSC fails t unless dsc is a valid dynamic sampling context: a
// trace_id of 32 lowercase hex characters, not all zeros; a public_key;
// only known members, none empty; sample_rate a number in [0, 1],
// sample_rand one in [0, 1), sampled "true" or "false".
func ValidateDSC(t testing.TB, dsc map[string]string) {
	t.Helper()
	if dsc == nil {
		t.Errorf("dsc: missing")
		return
	}
	id := dsc["trace_id"]
	if len(id) != 32 || !lowerHex(id) || id == "00000000000000000000000000000000" {
		t.Errorf("dsc: trace_id %q is not 32 lowercase hex characters, not all zeros", id)
	}
	if dsc["public_key"] == "" {
		t.Errorf("dsc: no public_key")
	}
	for k, v := range dsc {
		if !dscKeys[k] {
			t.Errorf("dsc: unknown member %q", k)
		}
		if v == "" {
			t.Errorf("dsc: %s is empty", k)
		}
	}
	if v, ok := dsc["sample_rate"]; ok {
		if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 || f > 1 {
			t.Errorf("dsc: sample_rate %q is not a number in [0, 1]", v)
		}
	}
	if v, ok := dsc["sample_rand"]; ok {
		if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 || f >= 1 {
			t.Errorf("dsc: sample_rand %q is not a number in [0, 1)", v)
		}
	}
	if v, ok := dsc["sampled"]; ok && v != "true" && v != "false" {
		t.Errorf("dsc: sampled %q is not true or false", v)
	}
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
