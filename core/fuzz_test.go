package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"testing"
	"time"
)

// attrsFromJSON builds attributes of every kind from fuzzed JSON: objects
// become groups, arrays and other values the matching slog kinds.
func attrsFromJSON(v any, depth int) []slog.Attr {
	m, ok := v.(map[string]any)
	if !ok {
		return []slog.Attr{slog.Any("value", v)}
	}
	out := make([]slog.Attr, 0, len(m))
	for k, x := range m {
		out = append(out, attrFromJSON(k, x, depth))
	}
	return out
}

func attrFromJSON(k string, x any, depth int) slog.Attr {
	switch t := x.(type) {
	case map[string]any:
		if depth > 20 {
			return slog.Any(k, t)
		}
		return slog.Attr{Key: k, Value: slog.GroupValue(attrsFromJSON(t, depth+1)...)}
	case float64:
		switch {
		case t == math.Trunc(t) && math.Abs(t) < 1e15:
			return slog.Int64(k, int64(t))
		case t > 1e300:
			return slog.Float64(k, math.Inf(1))
		}
		return slog.Float64(k, t)
	case string:
		switch {
		case len(t) > 0 && t[0] == 'E':
			return slog.Any(k, errors.New(t))
		case len(t) > 0 && t[0] == 'D':
			return slog.Duration(k, time.Duration(len(t)))
		case len(t) > 0 && t[0] == 'B':
			return slog.Any(k, []byte(t))
		}
		return slog.String(k, t)
	case bool:
		return slog.Bool(k, t)
	case nil:
		return slog.Any(k, nil)
	default:
		return slog.Any(k, t)
	}
}

// FuzzRecordMapping: arbitrary nested attributes, including the keys with
// a meaning of their own, never panic and always give a schema-shaped,
// marshalable event.
func FuzzRecordMapping(f *testing.F) {
	for _, seed := range []string{
		`{"user":{"id":"1","email":"a@b.c","x":{"y":1}},"fingerprint":["a"],"tags":{"t":1,"n":{"m":"v"}}}`,
		`{"error":"Eboom","g":{"err":"Einner","":{"z":null}},"user.id":5}`,
		`{"":"","a":[1,"x",{"b":true}],"big":1e308,"neg":-0.5,"dur":"Dxx","raw":"B\u00ff"}`,
		`{"fingerprint":"one","tags":"not a group","user":"7"}`,
		`[1,2,3]`,
		`"just a string"`,
	} {
		f.Add([]byte(seed), "http")
	}
	c, err := New(Options{Transport: NewMemoryTransport(), Storm: StormOptions{Disabled: true}})
	if err != nil {
		f.Fatal(err)
	}
	defer c.Close(t0())
	f.Fuzz(func(t *testing.T, data []byte, group string) {
		var v any
		dec := json.NewDecoder(bytes.NewReader(data))
		if dec.Decode(&v) != nil {
			return
		}
		attrs := attrsFromJSON(v, 0)
		p := &pending{kind: kindRecord, id: newEventID(), when: time.Now()}
		p.rec = record{Level: LevelError, Message: "m", Pre: attrs[:len(attrs)/2], Groups: []string{group},
			Attrs: ownAttrs(nil, attrs[len(attrs)/2:]), TagKeys: []string{"a", group + ".a"}}
		// The whole pipeline of the worker: tags are made to fit their
		// limits after the scrubber, in the trim pass.
		ev := c.process(p)
		if ev == nil {
			t.Fatal("the event was dropped")
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("event does not marshal: %v", err)
		}
		var back map[string]any
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("event JSON does not parse: %v", err)
		}
		for k, v := range ev.Tags {
			if len(k) > maxTagKey || len(v) > maxTagValue || k == "" {
				t.Fatalf("tag %q=%q breaks the limits", k, v)
			}
		}
	})
}

func t0() context.Context { return context.Background() }
