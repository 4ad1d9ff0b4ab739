// Package logcheck validates Sentry log envelopes strictly, by the rules
// Relay enforces when it ingests them (Sentry's Logs protocol, Relay's
// validation and normalisation of log items), and more: the
// receivers used in end-to-end tests (Spotlight, sentry-testkit) accept
// what Relay would drop.
//
// The rules, each reported with the log's index when it is broken:
//   - envelope: sent_at set, no trace (DSC) header, at most one log item,
//     no event beside it;
//   - item header: type "log", content_type
//     "application/vnd.sentry.items.log+json", item_count equal to the
//     number of logs, 1 to 100 logs, a length equal to the payload's;
//   - payload: a JSON object with an "items" array (and "version" 2 when
//     present), at most 1 MiB per log;
//   - log: timestamp a number of seconds since the epoch (not milliseconds,
//     not a string) within a day of now; trace_id 32 lowercase hex digits,
//     not all zero; span_id absent or 16 hex digits; level one of trace,
//     debug, info, warn, error, fatal; body a string; severity_number, when
//     present, an integer in the level's range; no other fields;
//   - attributes: an object without duplicate keys; each value an object
//     with "type" and "value" (and optionally "unit") whose value has that
//     type: string, boolean, integer (an integer literal within int64),
//     double (a number) or array (of strings, booleans or numbers, all of
//     one kind); the required attributes sentry.sdk.name and
//     sentry.sdk.version present as strings.
package logcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxLogsPerItem is Sentry's hard limit of logs in one item.
const MaxLogsPerItem = 100

// maxLogBytes is the size limit of one log (Sentry's documented 1 MiB).
const maxLogBytes = 1 << 20

// Levels are the level names Sentry logs accept.
var Levels = []string{"trace", "debug", "info", "warn", "error", "fatal"}

// Required are the attributes every log must carry.
var Required = []string{"sentry.sdk.name", "sentry.sdk.version"}

// Log is one decoded log, for the test's own assertions.
type Log struct {
	Timestamp      float64
	TraceID        string
	SpanID         string
	Level          string
	Body           string
	SeverityNumber int
	// Attributes maps each key to its value: string, bool, int64, float64
	// or []any.
	Attributes map[string]any
	// Types maps each key to its declared type.
	Types map[string]string
}

// CheckBody parses an envelope in wire form (plain or gzip) and checks it
// with CheckEnvelope.
func CheckBody(body []byte) ([]Log, error) {
	env, err := protocol.ParseEnvelope(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	line, _, _ := bytes.Cut(body, []byte{'\n'})
	var hdr map[string]json.RawMessage
	if len(body) > 1 && body[0] == '{' {
		if err := json.Unmarshal(line, &hdr); err != nil {
			return nil, fmt.Errorf("envelope header: %v", err)
		}
		if _, ok := hdr["trace"]; ok && len(env.ItemsOf(protocol.ItemTypeLog)) > 0 {
			return nil, errors.New("envelope with logs carries a trace (DSC) header")
		}
	}
	return CheckEnvelope(env)
}

// CheckEnvelope checks the log items of env and returns their logs in
// order. An envelope without log items passes with no logs.
func CheckEnvelope(env *protocol.Envelope) ([]Log, error) {
	items := env.ItemsOf(protocol.ItemTypeLog)
	if len(items) == 0 {
		return nil, nil
	}
	if len(items) > 1 {
		return nil, fmt.Errorf("%d log items in one envelope (at most 1)", len(items))
	}
	if env.Header.SentAt.IsZero() {
		return nil, errors.New("envelope with logs has no sent_at")
	}
	if env.Header.EventID != "" || len(env.ItemsOf(protocol.ItemTypeEvent)) > 0 {
		return nil, errors.New("log item beside an event")
	}
	return CheckItem(items[0].Header, items[0].Payload)
}

// CheckItem checks one log item.
func CheckItem(h protocol.ItemHeader, payload []byte) ([]Log, error) {
	if h.Type != protocol.ItemTypeLog {
		return nil, fmt.Errorf("item type %q, want log", h.Type)
	}
	if h.ContentType != protocol.LogContentType {
		return nil, fmt.Errorf("content_type %q, want %q", h.ContentType, protocol.LogContentType)
	}
	if h.Length != len(payload) {
		return nil, fmt.Errorf("length %d, payload %d bytes", h.Length, len(payload))
	}
	var c struct {
		Version *json.RawMessage  `json:"version"`
		Items   []json.RawMessage `json:"items"`
	}
	if err := strictObject(payload); err != nil {
		return nil, fmt.Errorf("payload: %v", err)
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("payload: %v", err)
	}
	if c.Items == nil {
		return nil, errors.New("payload has no items array")
	}
	if c.Version != nil && string(*c.Version) != "2" {
		return nil, fmt.Errorf("container version %s, want 2", *c.Version)
	}
	if h.ItemCount != len(c.Items) {
		return nil, fmt.Errorf("item_count %d, %d logs", h.ItemCount, len(c.Items))
	}
	if len(c.Items) == 0 || len(c.Items) > MaxLogsPerItem {
		return nil, fmt.Errorf("%d logs in one item (1 to %d)", len(c.Items), MaxLogsPerItem)
	}
	out := make([]Log, 0, len(c.Items))
	for i, raw := range c.Items {
		l, err := checkLog(raw)
		if err != nil {
			return nil, fmt.Errorf("log %d: %v", i, err)
		}
		out = append(out, l)
	}
	return out, nil
}

var severityRange = map[string][2]int{
	"trace": {1, 4}, "debug": {5, 8}, "info": {9, 12}, "warn": {13, 16}, "error": {17, 20}, "fatal": {21, 24},
}

func checkLog(raw json.RawMessage) (Log, error) {
	var l Log
	if len(raw) > maxLogBytes {
		return l, fmt.Errorf("%d bytes, over %d", len(raw), maxLogBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return l, err
	}
	for k := range m {
		switch k {
		case "timestamp", "trace_id", "span_id", "level", "body", "severity_number", "attributes":
		default:
			return l, fmt.Errorf("unknown field %q", k)
		}
	}
	ts, ok := m["timestamp"].(json.Number)
	if !ok {
		return l, fmt.Errorf("timestamp %v is not a number", m["timestamp"])
	}
	f, err := ts.Float64()
	if err != nil {
		return l, fmt.Errorf("timestamp %v: %v", ts, err)
	}
	now := float64(time.Now().UnixNano()) / 1e9
	if math.Abs(f-now) > 86400 {
		return l, fmt.Errorf("timestamp %v is not seconds within a day of now (%v)", ts, now)
	}
	l.Timestamp = f
	if l.TraceID, ok = m["trace_id"].(string); !ok || !isHex(l.TraceID, 32) || strings.Trim(l.TraceID, "0") == "" {
		return l, fmt.Errorf("trace_id %v is not 32 lowercase hex digits", m["trace_id"])
	}
	if v, has := m["span_id"]; has {
		if l.SpanID, ok = v.(string); !ok || !isHex(l.SpanID, 16) {
			return l, fmt.Errorf("span_id %v is not 16 lowercase hex digits", v)
		}
	}
	if l.Level, ok = m["level"].(string); !ok {
		return l, fmt.Errorf("level %v is not a string", m["level"])
	}
	rng, ok := severityRange[l.Level]
	if !ok {
		return l, fmt.Errorf("level %q is not one of %v", l.Level, Levels)
	}
	if l.Body, ok = m["body"].(string); !ok {
		return l, fmt.Errorf("body %v is not a string", m["body"])
	}
	if v, has := m["severity_number"]; has {
		n, ok := v.(json.Number)
		i, err := strconv.Atoi(string(n))
		if !ok || err != nil || i < rng[0] || i > rng[1] {
			return l, fmt.Errorf("severity_number %v outside %v for %s", v, rng, l.Level)
		}
		l.SeverityNumber = i
	}
	attrs, ok := m["attributes"].(map[string]any)
	if !ok {
		return l, errors.New("no attributes object")
	}
	var rawAttrs struct {
		Attributes json.RawMessage `json:"attributes"`
	}
	if err := json.Unmarshal(raw, &rawAttrs); err != nil {
		return l, err
	}
	if err := strictObject(rawAttrs.Attributes); err != nil {
		return l, fmt.Errorf("attributes: %v", err)
	}
	l.Attributes = make(map[string]any, len(attrs))
	l.Types = make(map[string]string, len(attrs))
	for k, a := range attrs {
		v, typ, err := checkAttr(a)
		if err != nil {
			return l, fmt.Errorf("attribute %q: %v", k, err)
		}
		l.Attributes[k], l.Types[k] = v, typ
	}
	for _, k := range Required {
		if l.Types[k] != "string" {
			return l, fmt.Errorf("required attribute %q missing or not a string", k)
		}
	}
	return l, nil
}

func checkAttr(a any) (any, string, error) {
	obj, ok := a.(map[string]any)
	if !ok {
		return nil, "", fmt.Errorf("%v is not an object", a)
	}
	for k := range obj {
		if k != "type" && k != "value" && k != "unit" {
			return nil, "", fmt.Errorf("unknown field %q", k)
		}
	}
	typ, ok := obj["type"].(string)
	if !ok {
		return nil, "", errors.New("no type")
	}
	v, has := obj["value"]
	if !has || v == nil {
		return nil, "", errors.New("no value")
	}
	switch typ {
	case "string":
		if s, ok := v.(string); ok {
			return s, typ, nil
		}
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, typ, nil
		}
	case "integer":
		if n, ok := v.(json.Number); ok {
			if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
				return i, typ, nil
			}
		}
	case "double":
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return f, typ, nil
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			break
		}
		kind := ""
		for _, e := range arr {
			k := ""
			switch e.(type) {
			case string:
				k = "string"
			case bool:
				k = "boolean"
			case json.Number:
				k = "number"
			default:
				return nil, "", fmt.Errorf("array element %v is not a primitive", e)
			}
			if kind != "" && k != kind {
				return nil, "", errors.New("array is not homogeneous")
			}
			kind = k
		}
		return arr, typ, nil
	default:
		return nil, "", fmt.Errorf("unknown type %q", typ)
	}
	return nil, "", fmt.Errorf("value %v is not of type %s", v, typ)
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// strictObject reports duplicate keys in any object of a JSON document,
// which encoding/json would silently merge.
func strictObject(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	type frame struct {
		obj  bool
		keys map[string]bool
		key  bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				if top != nil && top.obj {
					top.key = true
				}
				stack = append(stack, &frame{obj: true, keys: map[string]bool{}, key: true})
			case '[':
				if top != nil && top.obj {
					top.key = true
				}
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.obj && top.key {
				if top.keys[t] {
					return fmt.Errorf("duplicate key %q", t)
				}
				top.keys[t] = true
				top.key = false
				continue
			}
			if top != nil && top.obj {
				top.key = true
			}
		default:
			if top != nil && top.obj {
				top.key = true
			}
		}
	}
}
