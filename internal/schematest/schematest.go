// Package schematest validates events against Sentry's event schema,
// sentry/event.schema.json in the directory named shared beside the
// repository's root (the shared directory). Tests call
// Validate; where the schema is absent they skip, unless the environment
// variable SENTRYLOG_REQUIRE_SHARED is set (CI sets it), which turns the
// skip into a failure.
package schematest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// RequireShared reports whether tests that need the shared directory must fail
// rather than skip where it is absent.
func RequireShared() bool { return os.Getenv("SENTRYLOG_REQUIRE_SHARED") != "" }

// Enabled reports whether events are to be validated: the schema is there
// (the shared directory) or its absence must fail the test.
func Enabled() bool { return SharedDir() != "" || RequireShared() }

// SharedDir returns the shared directory beside the module root, or "" when
// it cannot be found.
func SharedDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if b, _ := os.ReadFile(filepath.Join(dir, "go.mod")); bytes.Contains(b, []byte("module github.com/sentrylog/sentrylog\n")) {
				s := filepath.Join(filepath.Dir(dir), "shared")
				if _, err := os.Stat(s); err == nil {
					return s
				}
				return ""
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

var (
	once     sync.Once
	schema   *jsonschema.Schema
	loadErr  error
	notFound bool
)

func load() {
	shared := SharedDir()
	if shared == "" {
		notFound = true
		return
	}
	path := filepath.Join(shared, "sentry", "event.schema.json")
	f, err := os.Open(path)
	if err != nil {
		notFound = true
		return
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		loadErr = err
		return
	}
	c := jsonschema.NewCompiler()
	// Sentry's uuid fields (event_id) take the 32-hex form PROTOCOL.md
	// prescribes as well as the dashed one; JSON Schema's own "uuid" format
	// knows only the dashed form.
	c.RegisterFormat(&jsonschema.Format{Name: "uuid", Validate: sentryUUID})
	if err := c.AddResource("event.schema.json", doc); err != nil {
		loadErr = err
		return
	}
	schema, loadErr = c.Compile("event.schema.json")
}

func sentryUUID(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	hex := strings.ReplaceAll(s, "-", "")
	if len(hex) != 32 || (len(s) != 32 && len(s) != 36) {
		return fmt.Errorf("%q is not a 32-hex or dashed uuid", s)
	}
	for _, r := range hex {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return fmt.Errorf("%q is not a 32-hex or dashed uuid", s)
		}
	}
	return nil
}

// Schema returns the compiled event schema, or nil where it is absent (a
// fresh clone without the shared directory): then the caller skips only its schema
// check, never its own assertions. With SENTRYLOG_REQUIRE_SHARED set (CI),
// an absent schema fails t instead.
func Schema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	once.Do(load)
	if notFound {
		if RequireShared() {
			t.Fatal("the event schema (shared/sentry/event.schema.json beside the repository) not found and SENTRYLOG_REQUIRE_SHARED is set")
		}
		logSkip(t)
		return nil
	}
	if loadErr != nil {
		t.Fatalf("loading the event schema: %v", loadErr)
	}
	return schema
}

var skipLogged sync.Map // test name -> struct{}

// logSkip notes once per test that its schema checks were not run.
func logSkip(t testing.TB) {
	if _, dup := skipLogged.LoadOrStore(t.Name(), struct{}{}); !dup {
		t.Log("the event schema (shared/sentry/event.schema.json beside the repository) not found: schema checks skipped, the test's own assertions ran")
	}
}

// Validate checks one event's JSON against the schema. Where the schema is
// absent it checks only that the event is JSON.
func Validate(t testing.TB, eventJSON []byte) {
	t.Helper()
	s := Schema(t)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(eventJSON))
	if err != nil {
		t.Fatalf("event is not JSON: %v\n%s", err, eventJSON)
	}
	if s == nil {
		return
	}
	if err := s.Validate(inst); err != nil {
		t.Fatalf("event does not validate against the schema: %v\n%s", err, eventJSON)
	}
}

// ValidateValue marshals v (an event) and validates it.
func ValidateValue(t testing.TB, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	Validate(t, b)
}
